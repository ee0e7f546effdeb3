# shellcheck shell=sh
# read-file-origin.sh: whether ship wrote a file. Read-only.
# Given: $1 the path.
# Prints `missing`, `ship` when the file carries ship's "written by ship setup" line, else `other`.
[ -e "$1" ] || { echo missing; exit 0; }; if grep -q "written by ship setup" -- "$1"; then echo ship; else echo other; fi
