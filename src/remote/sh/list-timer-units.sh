# shellcheck shell=sh
# list-timer-units.sh: the timer units ship setup wrote for one deploy path. Read-only.
# Given: $1 the marker its timer template writes into each one (`of <path>, written by ship setup`).
# Prints the name of each regular file /etc/systemd/system/*.timer that holds the marker, one a line.
for f in /etc/systemd/system/*.timer; do
  if [ -f "$f" ] && [ ! -L "$f" ] && grep -qF -- "$1" "$f"; then echo "${f##*/}"; fi
done
