# shellcheck shell=sh
# read-upload-facts.sh: before an upload, read where `current` points, whether zstd is here, and
# that release's manifest. Read-only.
# Given: $1 the deploy path.
# Prints: `current <id>` (empty when there is none), `zstd yes|no`, then, when current is shaped
# like ship's ids and has one, `manifest` and at most 64 MiB of its manifest (MANIFEST_LIMIT in
# src/remote/upload.ts; ship validates the rest). Exit 0.
cd -- "$1" 2>/dev/null || { echo "current "; exit 0; }
cur=$(readlink current 2>/dev/null || true); cur=${cur#releases/}
echo "current $cur"
if command -v zstd >/dev/null 2>&1; then echo "zstd yes"; else echo "zstd no"; fi
case $cur in *[!0-9A-Za-z-]*|"") exit 0 ;; esac
[ -f "releases/.manifest-$cur" ] && { echo manifest; head -c 67108864 -- "releases/.manifest-$cur"; }
exit 0
