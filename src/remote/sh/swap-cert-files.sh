# shellcheck shell=sh
# swap-cert-files.sh: keep each current file as <path>.prev (hard link; or forget a stale .prev
# when there is no current file), then rename every staged <path>.ship-new over its path, in
# order. restore-cert-files.sh undoes it.
# Given: $1... the final paths. Prints nothing.
set -e
for f; do if [ -e "$f" ]; then ln -f -- "$f" "$f.prev"; else rm -f -- "$f.prev"; fi; done
for f; do mv -f -- "$f.ship-new" "$f"; done
