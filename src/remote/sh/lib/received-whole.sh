# shellcheck shell=sh
# received-whole.sh (included, not run): `received_whole FILE BYTES` fails (exit 75) unless FILE
# holds exactly BYTES bytes, and then removes FILE. `cat` cannot tell stdin that ended early,
# because the connection went away mid-stream, from its real end; a file received that way is
# cut short: it is removed, never put in place.
received_whole() {
  [ "$(wc -c < "$1")" -eq "$2" ] && return
  rm -f -- "$1"
  printf "ship: the input for %s ended early (the connection closed?); nothing was changed\n" "$1" >&2
  exit 75
}
