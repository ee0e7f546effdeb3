# shellcheck shell=sh
# read-current.sh: the release id `current` points at. Read-only.
# Given: $1 the path of `current`.
# Prints the id (the link's last part), nothing when there is no link. Exit 0.
t=$(readlink -- "$1" 2>/dev/null) || exit 0; printf "%s\n" "${t##*/}"
