#!/usr/bin/env bash
# The baseline for bench/deploy.ts: the deploy `ship deploy` does, written by hand with OpenSSH,
# the way a careful person would. Run in the project directory, whose dist/ is the release.
#   SSH_CONFIG=... HOSTS="h1 h2 h3" DEPLOY_PATH=/srv/x UNIT=x PORT=4302 KEEP=2 bash deploy-openssh.sh
# Like ship: one ControlMaster connection per host; tar czf + sha256 here; phase 1 on every host
# in parallel (upload, check the sha256, extract to releases/<id>); only if every host passed,
# phase 2 in parallel (switch current with ln -s + mv -T, sudo systemctl restart, poll
# http://127.0.0.1:PORT/health every 50 ms until the first 2xx, for at most 30 s; keep KEEP
# releases). Unlike ship: no lock, no release log, no manifest, no second look at health, no
# undo on failure, the whole release on every deploy.
set -euo pipefail
: "${SSH_CONFIG:?}" "${HOSTS:?}" "${DEPLOY_PATH:?}" "${UNIT:?}" "${PORT:?}"
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

id=$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
tar czf "$work/release.tar.gz" -C dist .
sum=$(sha256sum "$work/release.tar.gz" | cut -d ' ' -f 1)

upload() {
  local up=.ship/upload-$id.tar.gz part=releases/.partial-$id
  ssh_ "$1" "cd $DEPLOY_PATH && mkdir -p releases shared .ship && cat > $up" < "$work/release.tar.gz"
  ssh_ "$1" "cd $DEPLOY_PATH && echo '$sum  $up' | sha256sum -c --quiet && mkdir $part && tar xzf $up -C $part --no-same-owner && mv -T $part releases/$id && rm $up"
}

switch() {
  ssh_ "$1" bash -s -- "$DEPLOY_PATH" "$id" "$UNIT" "$PORT" "$KEEP" <<'EOF'
set -eu
cd "$1"
ln -s "releases/$2" ".current-$2" && mv -T ".current-$2" current
sudo systemctl restart "$3"
healthy=
for _ in $(seq 600); do
  # A subshell, so a refused connection fails it, not this script.
  status=$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$4" && printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -n 1 <&3) || status=
  case $status in "HTTP/1."?" 2"*) healthy=1; break ;; esac
  sleep 0.05
done
[ -n "$healthy" ] || { echo "unhealthy" >&2; exit 1; }
ls releases | head -n "-$5" | sed 's|^|releases/|' | xargs -r rm -rf
EOF
}

each upload
each switch
