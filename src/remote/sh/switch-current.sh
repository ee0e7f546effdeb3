# shellcheck shell=sh
# switch-current.sh: point `current` at releases/<id> atomically: a symlink under a temporary
# name, renamed over `current` with mv -T (rename(2)), then read back. The link is relative, so
# the whole deploy path can be moved.
# Given: $1 the deploy path, $2 the release id.
# Prints the release `current` pointed at before (an empty line when none). Exit 3 when the
# release is missing or `current` does not point at it afterwards.
set -e
cd -- "$1"
test -d "releases/$2" || { echo "releases/$2 does not exist" >&2; exit 3; }
previous=$(readlink current 2>/dev/null || true)
ln -sfn -- "releases/$2" ".current-$2"
mv -T -- ".current-$2" current
test "$(readlink current)" = "releases/$2" || { echo "current does not point at releases/$2 after the switch" >&2; exit 3; }
printf "%s\n" "${previous#releases/}"
