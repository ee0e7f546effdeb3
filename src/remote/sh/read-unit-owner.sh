# shellcheck shell=sh
# read-unit-owner.sh: whose is a unit name, before `ship setup` writes one. Read-only.
# Given: $1 the unit name (hello.service).
# Prints `ship` when /etc/systemd/system/<name> is a file carrying ship's "written by ship setup"
# line, `other PATH` for any other file (or link) there, or for a unit file of that name anywhere
# else on systemd's search path, which writing /etc/systemd/system/<name> would shadow (a distro's
# nginx.service); else `missing`.
f=/etc/systemd/system/$1
if [ -e "$f" ] || [ -L "$f" ]; then
  { [ -f "$f" ] && [ ! -L "$f" ] && grep -q "written by ship setup" -- "$f"; } || { echo "other $f"; exit 0; }
fi
dirs=$(systemd-analyze unit-paths 2>/dev/null) || dirs="/run/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system"
for d in $dirs; do
  [ "$d" = /etc/systemd/system ] && continue
  if [ -e "$d/$1" ] || [ -L "$d/$1" ]; then echo "other $d/$1"; exit 0; fi
done
if [ -e "$f" ]; then echo ship; else echo missing; fi
