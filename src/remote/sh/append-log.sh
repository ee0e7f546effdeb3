# shellcheck shell=sh
# append-log.sh: append one line to the release log. dd opens it with O_NOFOLLOW|O_NONBLOCK: a
# symlink or FIFO put in the log's place is refused, never written through or waited on (.ship/
# may belong to the service user).
# Given: $1 the log's path, $2 the line (one JSON object).
# Prints nothing.
printf "%s\n" "$2" | dd of="$1" oflag=append,nofollow,nonblock conv=notrunc status=none
