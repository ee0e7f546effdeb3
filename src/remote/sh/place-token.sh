# shellcheck shell=sh
# place-token.sh: write an HTTP-01 challenge answer to <webroot>/.well-known/acme-challenge/<token>,
# world-readable for the web server.
# Given: $1 the webroot, $2 the token; stdin: the key authorization. Prints nothing.
set -e; umask 022; d="$1/.well-known/acme-challenge"; mkdir -p -- "$d"; cat > "$d/$2"
