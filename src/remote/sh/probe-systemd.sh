# shellcheck shell=sh
# probe-systemd.sh: whether systemd runs this host. Read-only.
# Given: nothing. Prints systemd's version line; fails when systemd is not running.
test -d /run/systemd/system && systemctl --version | head -n 1
