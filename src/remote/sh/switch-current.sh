# shellcheck shell=sh
# switch-current.sh: point `current` at releases/<id> atomically: a symlink under a temporary
# name, renamed over `current` with mv -T (rename(2)), then read back. The link is relative, so
# the whole deploy path can be moved.
# Given: $1 the deploy path, $2 the release id.
# The switch holds an exclusive flock on releases/ (shared by running scheduled jobs, see
# run-job.sh): it waits at most 300 s for jobs to end, and a job that starts meanwhile waits
# for the switch, so `current` never moves under a job.
# Prints the release `current` pointed at before (an empty line when none). Exit 3 when the
# release is missing or `current` does not point at it afterwards; 4 when a scheduled job still
# ran after 300 s (JOB_BUSY in src/remote/release.ts; nothing changed).
set -e
cd -- "$1"
test -d "releases/$2" || { echo "releases/$2 does not exist" >&2; exit 3; }
exec 8<releases
flock -x -w 300 8 || { echo "a scheduled job of this app still runs after 300 s (it holds flock on $1/releases); current not switched" >&2; exit 4; }
previous=$(readlink current 2>/dev/null || true)
ln -sfn -- "releases/$2" ".current-$2"
mv -T -- ".current-$2" current
test "$(readlink current)" = "releases/$2" || { echo "current does not point at releases/$2 after the switch" >&2; exit 3; }
printf "%s\n" "${previous#releases/}"
