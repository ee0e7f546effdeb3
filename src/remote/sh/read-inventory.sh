# shellcheck shell=sh
# read-inventory.sh: everything `ship releases` and cleanup need in one round trip. Read-only.
# Given: $1 the deploy path.
# Prints (nothing when the path is missing): `current <link>`, `dir <KB> <name>` per release
# directory and leftover (.partial-*, .removing-*), `upload <id>.tar.gz` per leftover upload,
# then `log` and the release log. Exit 0.
cd -- "$1" 2>/dev/null || exit 0
echo "current $(readlink current 2>/dev/null || true)"
for d in releases/* releases/.partial-* releases/.removing-*; do [ -d "$d" ] || continue; echo "dir $(du -sk -- "$d" | cut -f 1) ${d#releases/}"; done
for f in .ship/upload-*.tar.gz; do [ -e "$f" ] && echo "upload ${f#.ship/upload-}"; done
echo "log"
cat .ship/releases.log 2>/dev/null || true
