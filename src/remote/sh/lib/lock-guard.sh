# shellcheck shell=sh
# lock-guard.sh (included, not run): for scripts that change the deploy lock.
#   guard_lock LOCK  open the lock's parent (.ship) as fd 9 and wait at most 30 s for its flock,
#                    held until the script exits; exit 1 when it cannot be had
#   held LOCK        another lock is there: print its holder (or "held" when its info is not
#                    written yet) and exit 75 (LOCKED in src/remote/lock.ts)
guard_lock() {
  exec 9<"${1%/*}" || exit 1
  flock -w 30 9 || { echo "could not get the lock guard (flock on ${1%/*})" >&2; exit 1; }
}
held() { cat -- "$1/info" 2>/dev/null || echo held; exit 75; }
