#!/usr/bin/env bash
# `npm run demo`: the whole flow on a throwaway server, no server of your own needed.
# Boots one real Debian host on this machine (systemd-nspawn, needs root), then runs the real
# `ship` against it: doctor, setup, deploy v1, deploy v2, a broken v3 that is rolled back
# automatically, releases, rollback. Tears the host down at the end, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
LAB_ID=${SHIP_DEMO_LAB:-20}

bash test/hosts/setup.sh
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

work=$(mktemp -d /tmp/ship-demo-XXXXXX)
cleanup() {
  say "tearing down the demo host"
  cd "$REPO" && npx jiti test/hosts/cli.ts down --id "$LAB_ID" || true
  rm -rf "$work"
}
trap cleanup EXIT

say "booting a throwaway Debian host (first run builds the base image: about a minute)"
npx jiti test/hosts/cli.ts up --id "$LAB_ID" --hosts web1 > "$work/lab.json"
ssh_config=$(node -e 'console.log(require(process.argv[1]).sshConfig)' "$work/lab.json")

# The example project, pointed at the throwaway host through the lab's ssh_config.
cp -r examples/hello/. "$work/app"
cd "$work/app"
printf 'GREETING=hello from the env file\n' > .env.prod
sed -i -e "s#hosts: \['deploy@web1.example.com', 'deploy@web2.example.com'\]#hosts: ['web1']#" \
       -e "s#^  stages: {#  ssh: { config: '$ssh_config' },\n  stages: {#" hosts.ts
ship() { echo "\$ ship $*"; node "$REPO/bin/ship" "$@"; }
answer() { node "$REPO/bin/ship" exec prod -- node -e "require('http').get('http://127.0.0.1:4000/',r=>r.pipe(process.stdout))"; }

say "is the host ready for ship?"
ship doctor prod
say "prepare it: directories, systemd unit + socket, env file"
ship setup prod
say "deploy version 1"
APP_VERSION=1.0.0 ship deploy prod
answer
say "deploy version 2"
APP_VERSION=2.0.0 ship deploy prod
answer
say "deploy a broken version 3: the health check fails and ship rolls back by itself"
APP_VERSION=3.0.0 APP_BROKEN=1 ship deploy prod || echo "(exit $?: as expected)"
answer
say "releases on the host"
ship releases prod
say "roll back to version 1 by hand"
ship rollback prod
answer
say "done: that was ship deploying to a real systemd host over SSH"
