# shellcheck shell=sh
# hash-release.sh: for `ship verify`, the sha256 of the release's files ship asks for, killed
# (with whatever it was reading) after a deadline. Read-only.
# Given: $1 the deploy path, $2 the release id, $3 the deadline in seconds, $4 the line to print
# when it passed (DEADLINE_PASSED in src/remote/verify.ts); stdin: NUL-separated paths relative
# to releases/<id>.
# Prints `sha256sum -z` lines, then `\0$4\0` when the deadline passed. Exit 3 when the release
# cannot be entered, else 0.
cd -P -- "$1/releases/$2" || exit 3
# In batches: a sha256sum killed at the deadline loses the output it held, not all of it.
timeout -s KILL "$3" xargs -0 -r -n 16 sha256sum -z --
# 137: killed at the deadline; anything else (a file gone meanwhile) shows as a difference.
[ $? -ne 137 ] || printf "\0%s\0" "$4"
exit 0
