# shellcheck shell=sh
# remove-leftovers.sh: remove leftovers of interrupted deploys and removals, each only itself: a
# `.partial-<id>` (which the service user can make) never takes releases/<id> with it.
# Given: $1 the deploy path, then pairs: a kind (partial, removing or upload) and a release id.
# Directories are removed in the background, as in remove-releases.sh.
# Prints refusals, and what rm will not be able to remove, on stderr. Exit 1 when something is
# left, else 0 (no set -e, as in remove-releases.sh: each leftover is tried).
# shellcheck source=lib/is-id.sh
. ./lib/is-id.sh
# shellcheck source=lib/remove-later.sh
. ./lib/remove-later.sh
root=$1; shift
left=0
while [ $# -ge 2 ]; do
  kind=$1; id=$2; shift 2
  is_id "$id" || continue
  case $kind in
    partial|removing) retry_later "$root/releases/.$kind-$id" || left=1 ;;
    upload) rm -f -- "$root/.ship/upload-$id.tar.gz" || left=1 ;;
  esac
done
exit $left
