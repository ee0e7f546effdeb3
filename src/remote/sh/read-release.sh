# shellcheck shell=sh
# read-release.sh: for `ship verify`, what a release holds, without reading any file. Read-only.
# Given: $1 the deploy path, $2 the release id.
# Prints, NUL-separated: `root <physical deploy path>`, `current <link>`, `manifest` and the
# release's stored manifest, `where here` (or `where <physical path>` when releases/<id> leads
# elsewhere), then `files` and every path's type, mode, size, path and link target (parseReport,
# src/release/report.ts). Exit 3 when there is no such release.
set -e
# shellcheck source=lib/list-files.sh
. ./lib/list-files.sh
cd -P -- "$1"
root=$(pwd -P)
[ -d "releases/$2" ] || { echo "no release $2" >&2; exit 3; }
printf "root %s\0current %s\0" "$root" "$(readlink current 2>/dev/null || true)"
printf "manifest\0"
cat -- "releases/.manifest-$2" 2>/dev/null || true
cd -- "releases/$2"
if [ "$(pwd -P)" = "$root/releases/$2" ]; then printf "\0where here"; else printf "\0where %s" "$(pwd -P)"; fi
printf "\0files\0"
list_files
