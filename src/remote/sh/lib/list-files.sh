# shellcheck shell=sh
# list-files.sh (included, not run): `list_files` prints every path below `.` as parseReport
# (src/release/report.ts) reads it: type, mode, size, path, link target, NUL-separated.
list_files() { find . -mindepth 1 -printf "%y %m %s %P\0%l\0"; }
