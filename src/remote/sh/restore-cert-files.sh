# shellcheck shell=sh
# restore-cert-files.sh: undo swap-cert-files.sh: each <path>.prev back in place, or no file at
# all where there was none before; staged files are dropped.
# Given: $1... the final paths. Prints nothing.
for f; do if [ -e "$f.prev" ]; then mv -f -- "$f.prev" "$f"; else rm -f -- "$f"; fi; rm -f -- "$f.ship-new"; done
