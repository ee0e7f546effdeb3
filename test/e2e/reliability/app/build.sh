#!/bin/sh
# The reliability suite's build: the server, its VERSION, optional markers and padding, and a
# SHA256SUMS of every file, so a test can prove a release on a host is complete and intact.
#   APP_VERSION, APP_FAIL_START, APP_FAIL_ON_HOST=<hostname>, APP_DIE_AFTER=<ms>,
#   APP_PAD_MB=<n> (random, incompressible; the same bytes every build with APP_PAD_SEED=<word>),
#   APP_ZERO_MB=<n> (zeros: a tiny stream, a big release),
#   APP_BUILD_SLEEP=<seconds> (a slow build), APP_BUILD_FAIL, APP_START_DELAY=<ms> (a slow start),
#   APP_HANG_HEALTH (/health accepts and never answers),
#   APP_ODD_MODES (files no release may keep as they are: setuid, setgid, group or world writable),
#   APP_TREE (a directory tree with a symbolic link, lib/: kept files in directories),
#   APP_MANY=<n> (n small files in many/, the same every build: a node_modules to keep).
set -eu
[ -z "${APP_BUILD_SLEEP:-}" ] || sleep "$APP_BUILD_SLEEP"
rm -rf dist && mkdir -p dist
cp server.js dist/server.js
printf '%s\n' "${APP_VERSION:-1}" > dist/VERSION
[ -z "${APP_FAIL_START:-}" ] || touch dist/FAIL_START
[ -z "${APP_FAIL_ON_HOST:-}" ] || printf '%s\n' "$APP_FAIL_ON_HOST" > dist/FAIL_ON_HOST
[ -z "${APP_DIE_AFTER:-}" ] || printf '%s' "$APP_DIE_AFTER" > dist/DIE_AFTER
[ -z "${APP_START_DELAY:-}" ] || printf '%s' "$APP_START_DELAY" > dist/START_DELAY
[ -z "${APP_HANG_HEALTH:-}" ] || touch dist/HANG_HEALTH
if [ -n "${APP_PAD_MB:-}" ] && [ -n "${APP_PAD_SEED:-}" ]; then
  openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:$APP_PAD_SEED" < /dev/zero 2>/dev/null | head -c "$((APP_PAD_MB * 1048576))" > dist/padding.bin
elif [ -n "${APP_PAD_MB:-}" ]; then
  head -c "$((APP_PAD_MB * 1048576))" /dev/urandom > dist/padding.bin
fi
[ -z "${APP_ZERO_MB:-}" ] || head -c "$((APP_ZERO_MB * 1048576))" /dev/zero > dist/zeros.bin
[ -z "${APP_BUILD_FAIL:-}" ] || { echo "build broken on purpose" >&2; exit 1; }
if [ -n "${APP_ODD_MODES:-}" ]; then
  printf '#!/bin/sh\nid -u\n' > dist/suid && chmod 4755 dist/suid
  printf '#!/bin/sh\nid -g\n' > dist/sgid && chmod 2755 dist/sgid
  printf 'anyone\n' > dist/everyone-writes && chmod 0666 dist/everyone-writes
  printf 'group\n' > dist/group-writes && chmod 0664 dist/group-writes
fi
(cd dist && sha256sum -- * > ../SHA256SUMS && mv ../SHA256SUMS SHA256SUMS)
# A directory after the sums (sha256sum takes files only).
[ -z "${APP_ODD_MODES:-}" ] || { mkdir dist/open && printf 'x\n' > dist/open/inside && chmod 2777 dist/open; }
# A tree of kept files, also after the sums (they list top-level files only).
if [ -n "${APP_TREE:-}" ]; then
  mkdir -p dist/lib/deep
  printf 'a\n' > dist/lib/a.txt
  printf 'b\n' > dist/lib/deep/b.txt
  ln -s a.txt dist/lib/link
fi
if [ -n "${APP_MANY:-}" ]; then
  awk -v n="$APP_MANY" 'BEGIN { for (i = 0; i < n; i++) { d = "dist/many/" (i % 64); if (i < 64) system("mkdir -p " d); f = d "/" i ".js"; print "module.exports = " i ";" > f; close(f) } }'
fi
