# shellcheck shell=sh
# find-tool.sh: where a program is on the PATH. Read-only.
# Given: $1 the program's name. Prints its path; fails when there is none.
command -v "$1"
