# shellcheck shell=sh
# stage-cert-file.sh: write one certificate file (key, chain or origin record) next to its final
# path as <path>.ship-new, created with umask 077 so a key is never readable by others, then
# given its mode; swap-cert-files.sh moves it in. Creates the directory (0755) when missing.
# Given: $1 the final path, $2 the mode (0600 or 0644), $3 the content's length in bytes; stdin:
# the content. Input cut short by a lost connection fails here (exit 75), so it is never moved in.
# Prints nothing.
set -e
# shellcheck source=lib/received-whole.sh
. ./lib/received-whole.sh
umask 022; mkdir -p -- "$(dirname -- "$1")"
umask 077; cat > "$1.ship-new"
received_whole "$1.ship-new" "$3"
chmod "$2" -- "$1.ship-new"
