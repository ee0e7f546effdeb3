# shellcheck shell=sh
# copy-moved.sh: give releases/.partial-<id>/release the files that moved between the previous
# release and the new one, as hard links (copies where a link cannot be made, as in
# stage-release.sh); only an old path that stage-release.sh listed in `kept` is used.
# Given: $1 the deploy path, $2 the new release id, $3 the previous release id; stdin:
# NUL-separated pairs `old path`, `new path` (ship never pairs a path holding a newline).
# Prints nothing; a file that could not be copied is said on stderr and sent instead.
set -e
# shellcheck source=lib/enter-own.sh
. ./lib/enter-own.sh
# shellcheck source=lib/previous-release.sh
. ./lib/previous-release.sh
enter_partial "$1" "$2"
umask 022
here=$(pwd -P)
in_previous "$base" "$3" || exit 0
# Per pair, a script of its own: $1 .partial-<id>, $2 the old path, $3 the new path. Its $1...
# are its own, so they stay unexpanded here.
# shellcheck disable=SC2016
xargs -0 -r -n 2 sh -c 'grep -qzxF -e "$2" -- "$1/kept" && mkdir -p -- "$(dirname -- "$1/release/$3")" && { cp -l -P -- "$2" "$1/release/$3" 2>/dev/null || cp --remove-destination -R -P --reflink=auto --preserve=mode,timestamps -- "$2" "$1/release/$3"; }' sh "$here" || not_copied "$3"
