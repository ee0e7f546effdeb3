# shellcheck shell=sh
# run-job.sh: a scheduled job's command, as its systemd service runs it (ship setup installs this
# file as <path>/.ship/run-job.sh; ExecStart=/bin/sh <path>/.ship/run-job.sh <path> <command...>).
# Under a shared flock on <path>/releases, the lock a deploy's switch of `current` takes
# exclusively (switch-current.sh): a job that starts during a switch waits for it, and a switch
# waits for running jobs, so `current` never moves under a job. Jobs share the lock, so they run
# side by side. `current` is entered only once the lock is held, so the job runs in the release
# that stays live while it runs.
# Given: $1 the deploy path, $2... the job's command (a relative program is in the release).
# Exit: the command's status; 75 when a switch held the lock for 600 s (the job did not run).
root=$1; shift
exec 8<"$root/releases" || exit 1
flock -s -w 600 8 || { echo "run-job.sh: waited 600 s for a deploy to finish switching $root/current (flock on $root/releases); the job did not run" >&2; exit 75; }
cd -P -- "$root/current" || { echo "run-job.sh: $root/current is missing: nothing deployed yet (ship deploy)" >&2; exit 1; }
# The lock stays with this shell, not the job's children: a daemon the job leaves behind must
# not hold off deploys.
"$@" 8<&-
