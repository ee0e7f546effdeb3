# shellcheck shell=sh
# release-lock.sh: compare-and-delete the deploy lock, under flock on its parent (.ship): remove
# it only if its info is exactly $2 (or, for an empty $2, only if it has no info at all).
# Given: $1 the lock directory, $2 the info it must hold, $3 a token (may be empty) whose
# half-built lock.<token> is removed too.
# Exit 0 when removed or already gone; 75 when another lock is there now, whose info is printed.
[ -d "${1%/*}" ] || exit 0
# shellcheck source=lib/lock-guard.sh
. ./lib/lock-guard.sh
guard_lock "$1"
[ -z "$3" ] || rm -rf -- "$1.$3"
[ -d "$1" ] || exit 0
if [ -z "$2" ]; then
  [ -e "$1/info" ] || { rm -rf -- "$1"; exit 0; }
elif grep -qxF -- "$2" "$1/info" 2>/dev/null; then
  rm -rf -- "$1"; exit 0
fi
held "$1"
