# shellcheck shell=sh
# previous-release.sh (included, not run): copying kept files from the previous release.
#   in_previous BASE ID  cd into BASE/releases/ID by its physical path (BASE: the deploy path's,
#                   $base of enter-own.sh); false when ID is empty, or the release is gone or is a
#                   symlink to elsewhere, and then nothing is copied from it
#   keep_files LIST DEST [CP-OPTION]  give DEST each regular file named in LIST (NUL-separated,
#                   relative to here) as a hard link; where one cannot be made (EXDEV, a file
#                   fs.protected_hardlinks keeps from us), all are copied instead, each replacing
#                   its link (never written through it); false when some file got neither
#   not_copied ID   a kept file that could not be linked or copied is sent again after the check
# The copy keeps symlinks as symlinks and special files as special files (cp -R -P): it never
# follows a link or reads a FIFO or device that someone put in the previous release (only what
# `find -type f` listed is named, but the release may change meanwhile).
in_previous() { [ -n "$2" ] && cd -P -- "$1/releases/$2" 2>/dev/null && [ "$(pwd -P)" = "$1/releases/$2" ]; }
keep_files() {
  xargs -0 -r cp -l -P ${3:+"$3"} -t "$2" -- < "$1" 2>/dev/null && return
  xargs -0 -r cp --remove-destination -R -P --reflink=auto --preserve=mode,timestamps ${3:+"$3"} -t "$2" -- < "$1"
}
not_copied() { echo "ship: some kept files could not be copied from releases/$1; they are sent instead" >&2; }
