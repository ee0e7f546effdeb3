# shellcheck shell=sh
# read-cert.sh: the installed certificate chain, if it and its key are there. Read-only.
# Given: $1 the chain's path, $2 the key's path.
# Prints the chain. Exit 44 when the chain is missing, 45 when the key is (READ_MISSING_CERT and
# READ_MISSING_KEY in src/remote/certs.ts).
[ -e "$1" ] || exit 44; [ -e "$2" ] || exit 45; cat -- "$1"
