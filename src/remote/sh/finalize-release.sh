# shellcheck shell=sh
# finalize-release.sh: put the manifest beside the verified release, then rename both into
# releases/: first .manifest-<id>, then <id>, so a release never exists without its manifest;
# then the list receive-release.sh checked it by, as .checked-<id> (a release without one is
# only read whole at the next deploy).
# Given: $1 the deploy path, $2 the new release id, $3 the manifest's length in bytes; stdin: the
# manifest. A manifest cut short by a lost connection is refused (exit 75), never put in place.
# Prints nothing.
set -e
# shellcheck source=lib/enter-own.sh
. ./lib/enter-own.sh
# shellcheck source=lib/received-whole.sh
. ./lib/received-whole.sh
enter_partial "$1" "$2"
umask 022
cat > manifest.json
received_whole manifest.json "$3"
chmod 0755 release
# ../: next to our directory, wherever it is now; only the service user could have moved it.
mv -T -- manifest.json "../.manifest-$2"
mv -T -- release "../$2"
[ ! -f checked ] || mv -T -- checked "../.checked-$2"
rm -f -- kept
cd ..
rmdir -- ".partial-$2"
