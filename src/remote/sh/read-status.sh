# shellcheck shell=sh
# read-status.sh: what `ship status` shows of a host, in one round trip. Read-only.
# Given: $1 the deploy path, $2... unit names.
# Prints `disk <available KB> <size KB>`, `unit <name> <state>` per unit, then (when the deploy
# path exists) `current <link>`, `lock <info>` when locked, and after `log` the release log's
# lines that name the current release, newest last (at most 50).
root=$1; shift
p=$root; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done
df -Pk -- "$p" | awk 'NR == 2 { print "disk", $4, $2 }'
for u in "$@"; do echo "unit $u $(systemctl is-active -- "$u" 2>/dev/null)"; done
cd -- "$root" 2>/dev/null || exit 0
id=$(readlink current 2>/dev/null || true)
echo "current $id"
if [ -d .ship/lock ]; then echo "lock $(head -n 1 .ship/lock/info 2>/dev/null || echo held)"; fi
echo log
[ -n "$id" ] || exit 0
grep -F -- "\"release\":\"${id##*/}\"" .ship/releases.log 2>/dev/null | tail -n 50
