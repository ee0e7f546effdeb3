# shellcheck shell=sh
# remove-token.sh: remove an HTTP-01 challenge answer; succeeds when it is not there afterwards,
# also when its directory never was.
# Given: $1 the webroot, $2 the token. Prints nothing.
f="$1/.well-known/acme-challenge/$2"; [ -e "$f" ] || exit 0; rm -f -- "$f"
