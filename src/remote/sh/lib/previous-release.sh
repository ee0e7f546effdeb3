# shellcheck shell=sh
# previous-release.sh (included, not run): copying kept files from the previous release.
#   in_previous BASE ID  cd into BASE/releases/ID by its physical path (BASE: the deploy path's,
#                   $base of enter-own.sh); false when ID is empty, or the release is gone or is a
#                   symlink to elsewhere, and then nothing is copied from it
#   not_copied ID   a kept file that could not be copied is sent again after the check: say so
# Copies keep symlinks as symlinks and special files as special files (cp -R -P): they never
# follow a link or read a FIFO or device that someone put in the previous release.
in_previous() { [ -n "$2" ] && cd -P -- "$1/releases/$2" 2>/dev/null && [ "$(pwd -P)" = "$1/releases/$2" ]; }
not_copied() { echo "ship: some kept files could not be copied from releases/$1; they are sent instead" >&2; }
