# shellcheck shell=sh
# enter-own.sh (included, not run): for scripts that write inside a deploy path the service user
# may own, and so could swap any name in for a symlink.
#   refuse PATH WHY       say why PATH is refused on stderr, exit 3
#   enter_releases ROOT   cd into ROOT/releases, setting $base to ROOT's physical path
#   enter_own DIR [MODE]  from there into DIR, which must be ours with MODE (default 700)
#   enter_partial ROOT ID both, into ROOT/releases/.partial-ID, where a release is assembled
# Each cd is followed by `pwd -P`: if a symlink led elsewhere, the physical path differs, and the
# script refuses before writing. Once inside, a directory stays ours whatever happens to its
# name. A cd that fails exits with its status (`|| exit`), as it would under the caller's set -e.
refuse() { echo "refusing to use $1: $2" >&2; exit 3; }
enter_releases() {
  cd -P -- "$1" || exit
  base=$(pwd -P)
  cd -P -- releases || exit
  [ "$(pwd -P)" = "$base/releases" ] || refuse "$1/releases" "not a directory of its own (a symlink to $(pwd -P))"
}
enter_own() {
  cd -P -- "$1" || exit
  [ "$(pwd -P)" = "$base/releases/$1" ] || refuse "$base/releases/$1" "not a directory of its own (a symlink?)"
  [ "$(stat -c %u:%a .)" = "$(id -u):${2:-700}" ] || refuse "$base/releases/$1" "not ours (owner and mode $(stat -c %U:%a .))"
}
enter_partial() { enter_releases "$1"; enter_own ".partial-$2"; }
