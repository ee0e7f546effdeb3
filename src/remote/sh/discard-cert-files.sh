# shellcheck shell=sh
# discard-cert-files.sh: drop staged <path>.ship-new files when a run stops before the swap
# (never restore then: .prev is older).
# Given: $1... the final paths. Prints nothing.
for f; do rm -f -- "$f.ship-new"; done
