# shellcheck shell=sh
# read-if-present.sh: a file's content when it exists (a certificate's origin record). Read-only.
# Given: $1 the path.
# Prints the file, nothing when there is none. Exit 0 then too.
[ -e "$1" ] || exit 0; cat -- "$1"
