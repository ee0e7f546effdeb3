# shellcheck shell=sh
# existing-ancestor.sh: the nearest existing ancestor of a path (the path itself if it exists),
# and whether this user may write there. Read-only.
# Given: $1 the path. Prints the ancestor, then `writable` or `readonly`.
p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; printf "%s\n" "$p"; if [ -w "$p" ]; then echo writable; else echo readonly; fi
