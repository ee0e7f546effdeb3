# shellcheck shell=sh
# receive-release.sh: receive the release stream, hash it and extract it into
# releases/.partial-<id>/release in the same pass (a FIFO feeds sha256sum what tar reads). Modes
# are normalised (no setuid, setgid, group or world write; files read-only), whoever the SSH user is.
# Given: $1 the deploy path, $2 the new release id, $3 the codec (zstd, gzip or none), $4 the
# release kept files were linked from (may be empty); stdin: the release tarball, compressed with $3.
# Prints: `stream <sha256>`, then NUL-separated records (parseReport, src/release/report.ts):
# `files` and every path's type, mode, size, path and link target; `proven` and the paths of
# kept files not read again (below); then `hashes` and the `sha256sum -z` line of every other
# regular file. Exit 2 when extraction failed.
#
# Kept files are not read again when their identity is proven: every file's inode, mtime, size
# and path are listed (`checked`) before it is hashed, and finalize-release.sh keeps that list
# beside the release (.checked-<id>). A kept file whose line is the same in the previous release's
# list is the same inode, not written since it was checked there (a write moves its mtime). ship
# trusts that only for paths it asked to keep, and `ship verify` always reads every file.
set -e
# shellcheck source=lib/enter-own.sh
. ./lib/enter-own.sh
# shellcheck source=lib/list-files.sh
. ./lib/list-files.sh
enter_partial "$1" "$2"
umask 022
rm -f stream.fifo stream.sha256
mkfifo -m 0600 stream.fifo
sha256sum < stream.fifo > stream.sha256 &
extract() { case $1 in
  zstd) tee stream.fifo | zstd -dcq | tar -x -C release --no-same-owner ;;
  gzip) tee stream.fifo | gzip -dc | tar -x -C release --no-same-owner ;;
  *) tee stream.fifo | tar -x -C release --no-same-owner ;;
esac; }
if ! extract "$3"; then
  # tar says only "Wrote only 2560 of 10240 bytes" when the disk is full: say it plainly.
  free=$(df -Pk . | awk 'NR == 2 { print $4 }')
  [ "${free:-1024}" -ge 1024 ] || echo "No space left on device: ${free} KB free in $base" >&2
  exit 2
fi
wait
echo "stream $(cut -d " " -f 1 stream.sha256)"
rm -f stream.fifo stream.sha256
# Normalised in one walk; find does not follow symlinks, and chmod is given only files and
# directories. Files are read-only (manifest.ts normalMode); a kept one made writable in the
# previous release is the same inode, made read-only again for both.
find release \( -type f -perm /6222 -exec chmod u-s,g-s,a-w -- {} + \) -o \( -type d -perm /6022 -exec chmod u-s,g-s,go-w -- {} + \)
cd release
printf "\0files\0"
# One walk gives the report and, for files, the list they are checked by: taken before anything
# is hashed, so a write after it is either read below or moves the mtime.
list_files_and_stats ../checked.unsorted
LC_ALL=C sort -z ../checked.unsorted > ../checked
rm -f ../checked.unsorted
: > ../proven
if [ -n "$4" ] && [ -f "$base/releases/.checked-$4" ] && [ ! -L "$base/releases/.checked-$4" ]; then
  LC_ALL=C comm -z -12 ../checked "$base/releases/.checked-$4" | sed -z 's/^[0-9]* [0-9.]* [0-9]* //' | LC_ALL=C sort -z > ../proven
fi
printf "\0proven\0"
cat ../proven
printf "\0hashes\0"
sed -z 's/^[0-9]* [0-9.]* [0-9]* //' ../checked | LC_ALL=C sort -z | LC_ALL=C comm -z -23 - ../proven | xargs -0 -r sha256sum -z --
rm -f ../proven
