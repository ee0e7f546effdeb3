# shellcheck shell=sh
# clear-paths.sh: remove paths from the new release (releases/.partial-<id>/release) before they
# are sent again.
# Given: $1 the deploy path, $2 the new release id; stdin: NUL-separated relative paths.
# Prints nothing.
set -e
# shellcheck source=lib/enter-own.sh
. ./lib/enter-own.sh
enter_partial "$1" "$2"
cd release
xargs -0 -r rm -rf --
