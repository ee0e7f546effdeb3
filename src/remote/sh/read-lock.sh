# shellcheck shell=sh
# read-lock.sh: who holds the deploy lock. Read-only.
# Given: $1 the lock directory.
# Prints its info, `held` when it has none, or nothing when the lock is free. Exit 0.
[ -d "$1" ] || exit 0; cat -- "$1/info" 2>/dev/null || echo held
