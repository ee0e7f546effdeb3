# shellcheck shell=sh
# read-file-state.sh: for `ship setup`, a file's mode, owner and content hash. Read-only.
# Given: $1 the path.
# Prints `missing`, or `MODE OWNER:GROUP` then the sha256 of the content.
[ -e "$1" ] || { echo missing; exit 0; }
stat -c "%a %U:%G" -- "$1"
{ sha256sum < "$1"; } 2>/dev/null | cut -d " " -f 1
