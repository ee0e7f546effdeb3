# shellcheck shell=sh
# remove-releases.sh: remove releases by id, never the one `current` points at. Each is first
# renamed to releases/.removing-<id> and its manifest removed, here and now, so no half-deleted
# release is ever left that a rollback could pick; the files themselves are removed in the
# background (lib/remove-later.sh), so a large release costs the deploy a rename, not its removal.
# Given: $1 the deploy path, $2... release ids (anything else is refused).
# Prints refusals on stderr. Exit 1 when something is left, else 0. What rm then cannot remove
# of a release keeps its .removing- name, and the next cleanup (remove-leftovers.sh) says what.
# No set -e: one release that cannot be removed (a file only root may delete) must not keep the
# others; the exit status says something was left.
# shellcheck source=lib/is-id.sh
. ./lib/is-id.sh
# shellcheck source=lib/remove-later.sh
. ./lib/remove-later.sh
root=$1; shift
left=0
cur=$(readlink "$root/current" 2>/dev/null || true)
for id in "$@"; do
  is_id "$id" || continue
  [ "releases/$id" = "$cur" ] && { echo "refusing to remove current release $id" >&2; continue; }
  [ ! -d "$root/releases/$id" ] || mv -T -- "$root/releases/$id" "$root/releases/.removing-$id" || { left=1; continue; }
  rm -f -- "$root/releases/.manifest-$id" "$root/releases/.checked-$id" "$root/.ship/upload-$id.tar.gz" "$root/.current-$id" || left=1
  remove_later "$root/releases/.removing-$id"
  retry_later "$root/releases/.partial-$id" || left=1
done
exit $left
