# shellcheck shell=sh
# link-shared.sh: link each shared entry (`.env`, `uploads/`) from shared/ into a release.
# Directories (trailing /) are created in shared/ when missing; a file entry missing in shared/ is
# created empty, so the link is never dangling. Missing entries are created by shared/'s owner
# (the service user), so the app can write to them; the links are made inside the release entered
# by its physical path and checked to be ours, so root never writes through a path the service
# user could swap, and never through a link the release itself holds above an entry: that is
# refused (exit 3), with nothing changed.
# Given: $1 the deploy path, $2 the release id, $3... the shared entries.
# Prints nothing.
set -e
# shellcheck source=lib/enter-own.sh
. ./lib/enter-own.sh
enter_releases "$1"
enter_own "$2" 755
here=$(pwd -P); shared=$base/shared; shift 2
# A link the release holds above an entry (public -> /elsewhere for public/uploads/) would have
# rm, mkdir and ln work outside the release: refuse before touching anything.
no_link_above() { p=.; rest=$1; while [ "${rest#*/}" != "$rest" ]; do p=$p/${rest%%/*}; rest=${rest#*/}; [ ! -L "$p" ] || refuse "$here/${p#./}" "it is a symbolic link (to $(readlink -- "$p")) in the release, above the shared entry $1; ship links shared entries only through real directories (make ${p#./} a directory in the build, or drop $1 from shared)"; done; }
owner=$(stat -c %U -- "$shared")
if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then as() { runuser -u "$owner" -- "$@"; }; else as() { "$@"; }; fi
for entry in "$@"; do
  name=${entry%/}
  # The inner script's $1 is its own: it stays unexpanded here.
  # shellcheck disable=SC2016
  case $entry in */) as mkdir -p -- "$shared/$name" ;; *) as mkdir -p -- "$(dirname -- "$shared/$name")"; [ -e "$shared/$name" ] || as sh -c ': > "$1"' sh "$shared/$name" ;; esac
  no_link_above "$entry"
  rm -rf -- "./$name"
  dir=$(dirname -- "./$name")
  mkdir -p -- "$dir"
  [ "$(cd -P -- "$dir" && pwd -P)" = "$here${dir#.}" ] || refuse "$here/${dir#./}" "not a directory of the release (a symbolic link?)"
  ln -s -- "$shared/$name" "./$name"
done
