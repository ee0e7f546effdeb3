# shellcheck shell=sh
# is-id.sh (included, not run): `is_id WORD` succeeds only for the shape newReleaseId makes
# (RELEASE_ID in src/release/build.ts), so a removal refuses anything else again on the host:
# never `..`, a `/` or an empty name to rm. Says so on stderr when it fails.
is_id() {
  case $1 in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) return 0 ;;
  esac
  echo "refusing to remove $1: not a release id" >&2
  return 1
}
