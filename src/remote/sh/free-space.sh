# shellcheck shell=sh
# free-space.sh: free kilobytes on the file system holding a path (or its nearest existing
# ancestor). Read-only.
# Given: $1 the path. Prints the number.
p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; df -Pk -- "$p" | awk 'NR==2 {print $4}'
