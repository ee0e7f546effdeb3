// hosts.ts — where and how `ship` deploys this app. Written by `ship init`; edit freely.
// Every command takes --config FILE to use another file. Relative local paths below are
// relative to this file. Any stage setting may also be written at the top level as a default
// for all stages; a stage's own value wins.
import { defineHosts } from 'ship-deploy';

export default defineHosts({
  app: 'hello', // short name: names the directories, the systemd unit and the deploy lock

  build: {
    run: ['npm', 'run', 'build'], // build command as argv (no shell), run here before every deploy
    dir: 'dist', // its output: the contents of this directory are the release
  },

  service: {
    // what `ship setup` writes into the systemd unit
    exec: 'node server.js', // command line, run in <path>/current
    user: 'deploy', // unix user the service runs as
    env: { PORT: '4000' }, // environment variables in the unit (values are strings)
    envFile: '.env.prod', // local secrets file, uploaded to shared/.env on the hosts, mode 0600
    socket: 4000, // optional: systemd socket activation, so a restart drops no connection
  },

  stages: {
    prod: {
      hosts: ['deploy@web1.example.com', 'web2'], // user@host[:port], [ipv6]:port, or an ~/.ssh/config alias
      // A host with roles (see `roles` below): { host: 'work1', roles: ['worker'] }; a plain entry carries role 'app'.
      path: '/srv/hello', // on the hosts: releases/, shared/ and the `current` symlink live here
      unit: 'hello', // systemd unit restarted after the switch (default: the app name)
      keep: 5, // releases kept per host, for `ship rollback`
      shared: ['.env', 'uploads/'], // kept in shared/ and linked into every release; trailing / = directory
      health: {
        url: 'http://127.0.0.1:4000/health', // fetched from the host's side after each restart
        timeout: 30, // seconds to wait for a 2xx before rolling back
        confirm: 1.5, // seconds later, a second look (catches an app that dies after answering once); 0 = off
      },
      rollout: { canary: 1, pause: 5 }, // switch and restart in batches: the canary first, each batch healthy before the next
      // rollout.batch: 2 or '25%'        hosts per batch after the canary (default: all the rest at once; --batch N for one run)
      // roles: {                         units of their own for hosts that carry a role; 'app' is the stage's own unit
      //   worker: {
      //     unit: 'hello-worker',                 // default: <app>-<role>
      //     service: { exec: 'node worker.js' },  // on top of `service` (each field replaces; socket is not inherited)
      //     health: { url: 'http://127.0.0.1:4001/health' }, // default: systemctl is-active after the restart
      //   },
      // },
      // migrate: ['bin/migrate'],        run once, on one host, in the new release, before any host switches
      // hooks: {                         run here (argv), with SHIP_STAGE, SHIP_RELEASE, SHIP_COMMIT, SHIP_HOSTS, SHIP_RESULT
      //   before: ['./notify.sh', 'starting'],   // a failure stops the deploy, nothing changed
      //   after: ['sh', '-c', 'curl -fsS -m 10 -d "deployed $SHIP_RELEASE to $SHIP_HOSTS" "$CHAT_WEBHOOK"'],
      //   failed: ['sh', '-c', 'curl -fsS -m 10 -d "deploy $SHIP_RESULT: $SHIP_ERROR" "$CHAT_WEBHOOK"'],
      // },
      // requireClean: true,              refuse to deploy uncommitted changes (--ref and --artifact still work)
      // timers: {                        scheduled jobs: <unit>-<name>.timer and .service, written by ship setup
      //   backup: { run: ['bin/backup'], on: 'daily', once: true },        // once: on the first host of the stage only
      //   'purge-sessions': { run: ['bin/purge'], on: '*-*-* *:00/15' },  // any systemd OnCalendar expression
      // },                                 (roles take timers too: roles.worker.timers)
      certs: {
        domains: ['hello.example.com'], // names on the certificate; the first one names its files (IP addresses too; '*.x' needs dns)
        email: 'ops@example.com', // ACME account contact; CAs send no expiry mail any more: monitor with `ship certs status`
        webroot: '/var/www/html', // served at /.well-known/acme-challenge/ on port 80 (HTTP-01)
        directory: 'letsencrypt', // 'letsencrypt' | 'letsencrypt-staging' | an https:// ACME directory URL
        reload: 'nginx', // unit reloaded after a new certificate lands
        // profile: 'shortlived', // one the CA offers; Let's Encrypt: 'classic' (default), 'tlsserver', 'shortlived' (160 hours)
        // dns: { server: 'ns1.example.com', zone: 'example.com', keyFile: 'acme.key' }, // DNS-01 by RFC 2136 update + TSIG key, for wildcards
      },
    },

    staging: {
      hosts: ['deploy@staging.example.com'],
      path: '/srv/hello',
      service: { envFile: '.env.staging' }, // a stage overrides single fields; exec, user, env come from above
      sudo: true, // privileged steps (systemctl, the unit file) run through `sudo -n`
    },
  },
});
