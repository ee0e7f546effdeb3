# shellcheck shell=sh
# copy-env-file.sh: for `ship env push`, make $2 an exact copy of $1, atomically (a private
# temporary file beside it, then a rename), mode 0600; or remove $2 when there is no $1. So
# shared/.env.previous records what shared/.env was (its absence included), and copying it back
# restores exactly that. Run as the service user, who owns shared/.
# Given: $1 the source, $2 the destination. Prints nothing.
#
# The temporary file's traps are set before it is created, as in install-file.sh: no signal can
# leave it behind.
set -e
umask 077; tmp="$2.ship-$$"
trap 'rm -f -- "$tmp"' EXIT; trap 'exit 143' TERM; trap 'exit 130' INT; trap 'exit 129' HUP
if [ ! -e "$1" ]; then rm -f -- "$2"; exit 0; fi
rm -f -- "$tmp"; set -C; cat -- "$1" > "$tmp"; set +C
chmod -- 600 "$tmp"; mv -f -- "$tmp" "$2"; trap - EXIT
