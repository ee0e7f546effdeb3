#!/usr/bin/env bash
# The baseline for bench/deploy.ts: the deploy `ship deploy` does, written by hand with OpenSSH.
# Run in the project directory (build.sh, dist/). One ControlMaster connection per host.
#   SSH_CONFIG=... HOSTS="h1 h2 h3" DEPLOY_PATH=/srv/x UNIT=x KEEP=2 bash deploy-openssh.sh
# Like ship: build, tar czf + sha256 here; phase 1 on every host in parallel (upload, check the
# sha256, extract to releases/<id>); only if every host passed, phase 2 in parallel (switch
# current with ln -s + mv -T, sudo systemctl restart, after 2 s `systemctl is-active`, keep
# KEEP releases). Unlike ship: no lock, no release log, no undo on failure.
set -euo pipefail
: "${SSH_CONFIG:?}" "${HOSTS:?}" "${DEPLOY_PATH:?}" "${UNIT:?}"
KEEP=${KEEP:-2}
work=$(mktemp -d)
ssh_() { ssh -F "$SSH_CONFIG" -o BatchMode=yes -o ControlMaster=auto -o "ControlPath=$work/cm-%C" -o ControlPersist=60 "$@"; }
finish() {
  for h in $HOSTS; do ssh_ -O exit "$h" 2>/dev/null || true; done
  rm -rf "$work"
}
trap finish EXIT

# Every host at once; fails if any host failed.
each() {
  local pids=() h p rc=0
  for h in $HOSTS; do "$@" "$h" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}

sh build.sh
id=$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
tar czf "$work/release.tar.gz" -C dist .
sum=$(sha256sum "$work/release.tar.gz" | cut -d ' ' -f 1)

upload() {
  local up=.ship/upload-$id.tar.gz part=releases/.partial-$id
  ssh_ "$1" "cd $DEPLOY_PATH && mkdir -p releases shared .ship && cat > $up" < "$work/release.tar.gz"
  ssh_ "$1" "cd $DEPLOY_PATH && echo '$sum  $up' | sha256sum -c --quiet && mkdir $part && tar xzf $up -C $part --no-same-owner && mv -T $part releases/$id && rm $up"
}

switch() {
  ssh_ "$1" "cd $DEPLOY_PATH && ln -s releases/$id .current-$id && mv -T .current-$id current && test \"\$(readlink current)\" = releases/$id \
    && sudo systemctl restart $UNIT && sleep 2 && systemctl is-active --quiet $UNIT \
    && ls releases | head -n -$KEEP | sed 's|^|releases/|' | xargs -r rm -rf"
}

each upload
each switch
