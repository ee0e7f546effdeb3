# shellcheck shell=sh
# list-files.sh (included, not run): `list_files` prints every path below `.` as parseReport
# (src/release/report.ts) reads it: type, mode, size, path, link target, NUL-separated.
# `list_files_and_stats FILE` prints the same and, in the same walk, writes `inode mtime size
# path` of every regular file into FILE, NUL-separated (receive-release.sh checks by it).
list_format='%y %m %s %P\0%l\0'
list_files() { find . -mindepth 1 -printf "$list_format"; }
list_files_and_stats() { find . -mindepth 1 -printf "$list_format" -type f -fprintf "$1" '%i %T@ %s %P\0'; }
