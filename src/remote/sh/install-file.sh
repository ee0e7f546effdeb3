# shellcheck shell=sh
# install-file.sh: write stdin to a file atomically, through a private temporary file beside it
# and a rename; a failure at any point leaves the old file as it was.
# Given: $1 the path, $2 the mode, $3 the content's length in bytes, $4 (only when given) the
# owner to chown the file to; stdin: the content. Exit 75 when stdin was cut short (a lost
# connection ends like a whole one): the file is not replaced. Prints nothing.
#
# The temporary name is known before the file exists ("$1.ship-<pid of this sh>"; a leftover of
# a dead sh with the same pid is removed first), and every trap is set before it is created, so
# no signal can land between its creation and the trap that removes it (mktemp in a command
# substitution had such a window). A signal (Ctrl-C reaches the remote command as SIGTERM)
# becomes an exit, because sh runs the EXIT trap on exit only, not when a signal kills it.
# `set -C` makes the creation exclusive (O_EXCL). A sudo'd script does not get the SIGTERM ship
# sends (sshd signals it as the SSH user, not as root), hence the length check.
set -e
# shellcheck source=lib/received-whole.sh
. ./lib/received-whole.sh
umask 077; tmp="$1.ship-$$"
trap 'rm -f -- "$tmp"' EXIT; trap 'exit 143' TERM; trap 'exit 130' INT; trap 'exit 129' HUP
rm -f -- "$tmp"; set -C; cat > "$tmp"; set +C
received_whole "$tmp" "$3"
# Only as root, in a directory root alone can write: elsewhere the temporary file could be
# swapped for a symlink between its creation and the chown (see files.installOwnFile).
if [ $# -ge 4 ]; then chown -- "$4" "$tmp"; fi
chmod -- "$2" "$tmp"; mv -f -- "$tmp" "$1"; trap - EXIT
