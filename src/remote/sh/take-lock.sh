# shellcheck shell=sh
# take-lock.sh: take the deploy lock, under flock on its parent (.ship): built complete under a
# name of our own (lock.<token>, with its info), then renamed into place, so a lock never exists
# without the info that proves whose it is.
# Given: $1 the lock directory, $2 its info (one line of JSON), $3 a token of this run.
# Exit 0 taken; 75 held by someone else, whose info is printed; 1 when it could not be made.
umask 027
# shellcheck source=lib/lock-guard.sh
. ./lib/lock-guard.sh
guard_lock "$1"
own="$1.$3"
rm -rf -- "$own" && mkdir -- "$own" || exit 1
# The info is written from inside the directory we just made, checked to be ours and empty:
# .ship/ may belong to the service user, who could swap the name for a symlink.
( cd -P -- "$own" && [ -z "$(ls -A)" ] && [ "$(stat -c %u .)" = "$(id -u)" ] && printf "%s\n" "$2" > info ) || { rm -rf -- "$own"; exit 1; }
mv -T -- "$own" "$1" 2>/dev/null && exit 0
rm -rf -- "$own"
held "$1"
