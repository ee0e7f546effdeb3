# shellcheck shell=sh
# remove-releases.sh: remove releases by id, never the one `current` points at. Each is first
# renamed to releases/.removing-<id>, so a removal cut short (Ctrl-C, kill -9) never leaves a
# half-deleted release that a rollback could pick; the next cleanup finishes it.
# Given: $1 the deploy path, $2... release ids (anything else is refused).
# Prints refusals on stderr. Exit 1 when something was left, else 0.
# No set -e: one release that cannot be removed (a file only root may delete) must not keep the
# others; the exit status says something was left.
# shellcheck source=lib/is-id.sh
. ./lib/is-id.sh
root=$1; shift
left=0
cur=$(readlink "$root/current" 2>/dev/null || true)
for id in "$@"; do
  is_id "$id" || continue
  [ "releases/$id" = "$cur" ] && { echo "refusing to remove current release $id" >&2; continue; }
  [ ! -d "$root/releases/$id" ] || mv -T -- "$root/releases/$id" "$root/releases/.removing-$id" || { left=1; continue; }
  rm -rf -- "$root/releases/.removing-$id" "$root/releases/.partial-$id" "$root/releases/.manifest-$id" "$root/releases/.checked-$id" "$root/.ship/upload-$id.tar.gz" "$root/.current-$id" || left=1
done
exit $left
