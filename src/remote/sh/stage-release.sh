# shellcheck shell=sh
# stage-release.sh: make releases/.partial-<id>/release (ours alone, 0700) and give it, from
# releases/<previous>, the paths read from stdin, each at the same path: as hard links, so a kept
# file costs a directory entry, not a copy (release files are read-only, 0444 or 0555: see
# README "Kept files"); as copies where a link cannot be made (another file system, a file
# someone else owns).
# Given: $1 the deploy path, $2 the new release id, $3 the previous release id (may be empty),
# $4 the release ship was told is current (empty for none); stdin: NUL-separated paths.
# Exit 76 (CURRENT_MOVED in src/remote/upload.ts) when `current` is not $4 any more: the plan was
# made for another release. Prints nothing else.
#
# The paths come from the previous release's manifest, which the service user can rewrite, and
# the release itself may have been changed by hand: only paths that `find` lists there as regular
# files (so never through a symlink) are linked, into `kept` first. A path that is missing,
# unreadable or something else now is not copied and so is sent again after the check against
# the manifest; a previous release that is gone altogether gives nothing to copy.
set -e
umask 077
# shellcheck source=lib/enter-own.sh
. ./lib/enter-own.sh
# shellcheck source=lib/previous-release.sh
. ./lib/previous-release.sh
enter_releases "$1"
rm -rf -- ".partial-$2"
mkdir -m 0700 -- ".partial-$2"
enter_own ".partial-$2"
umask 022
mkdir release
: > kept
here=$(pwd -P)
# What ship was told is current may have changed since (another deploy's undo): say so.
cur=$(readlink -- "$base/current" 2>/dev/null || true)
[ "${cur#releases/}" = "$4" ] || { echo "current is no longer ${4:-none}" >&2; exit 76; }
in_previous "$base" "$3" || exit 0
find . -type f -printf "%P\0" | LC_ALL=C sort -z > "$here/kept"
LC_ALL=C sort -z | LC_ALL=C comm -z -12 "$here/kept" - > "$here/keep"
keep_files "$here/keep" "$here/release" --parents || not_copied "$3"
rm -f -- "$here/keep"
