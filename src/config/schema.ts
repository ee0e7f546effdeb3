import * as z from 'zod';
import { hostSpecProblem } from './host-spec.js';
import {
  acmeDirectoryProblem,
  certNameProblem,
  deployPathProblem,
  dnsNameProblem,
  dnsServerProblem,
  healthUrlProblem,
  profileProblem,
  remotePathProblem,
  sharedPathProblem,
  singleLineProblem,
  unitNameProblem,
} from './rules.js';
import type { HostsInput } from './types.js';

/*
 * Every message here completes the sentence "<field>: ..., got <value>" (validate.ts adds the
 * field path and the value), so each one says what was expected, in the user's terms.
 */

/** A string checked by one of the rules in rules.ts. */
function checked(expected: string, problem: (value: string) => string | undefined) {
  return z.string({ error: expected }).superRefine((value, ctx) => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  });
}

function nonEmpty(expected: string) {
  return z
    .string({ error: expected })
    .min(1, { error: expected })
    .superRefine((value, ctx) => {
      if (value.includes('\0')) ctx.addIssue({ code: 'custom', message: 'contains a NUL byte', input: value });
    });
}

function positiveSeconds(expected: string) {
  return z.number({ error: expected }).positive({ error: expected }).max(86_400, { error: expected });
}

const APP = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const STAGE = /^[a-z0-9][a-z0-9_-]*$/;
const ROLE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SHARE = /^([1-9][0-9]?|100)%$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// useradd's default NAME_REGEX: these names go into the unit file and chown.
const UNIX_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

const env = z.record(
  z.string().regex(ENV_NAME, { error: 'not a valid variable name; use letters, digits and _, not starting with a digit' }),
  checked('expected a string (write numbers in quotes, like "4000")', singleLineProblem),
  { error: 'expected an object of NAME: "value" pairs, such as { PORT: "4000" }' },
);

/** A command as argv, run without a shell. */
function argv(example: string) {
  return z
    .array(nonEmpty('expected a non-empty word'), { error: `expected the command as an array of words, such as ${example}` })
    .min(1, { error: `expected at least the program to run, such as ${example}` });
}

const build = z.strictObject(
  {
    run: argv('["npm", "run", "build"]').optional(),
    dir: nonEmpty('expected the directory (relative to hosts.ts) whose contents are the release, such as "dist"').optional(),
    env: env.optional(),
  },
  { error: 'expected an object such as { run: ["npm", "run", "build"], dir: "dist" }' },
);

const unixName = (what: string) =>
  z
    .string({ error: `expected a unix ${what} name` })
    .regex(UNIX_NAME, { error: `expected a unix ${what} name (lowercase letters, digits, _ and -)` });

const ENV_FILE =
  'expected a local file path, relative to hosts.ts, such as ".env.prod", or a command that prints the env file, such as ["sops", "-d", "prod.env"]';

const service = z.strictObject(
  {
    exec: checked('expected the command line of the service, such as "node server.js"', (v) =>
      v.trim() === '' ? 'must not be empty' : singleLineProblem(v),
    ).optional(),
    user: unixName('user').optional(),
    group: unixName('group').optional(),
    env: env.optional(),
    envFile: z.union([nonEmpty(ENV_FILE), argv('["sops", "-d", "prod.env"]')], { error: ENV_FILE }).optional(),
    socket: z
      .number({ error: 'expected a TCP port number from 1 to 65535' })
      .int({ error: 'expected a TCP port number from 1 to 65535' })
      .min(1, { error: 'expected a TCP port number from 1 to 65535' })
      .max(65535, { error: 'expected a TCP port number from 1 to 65535' })
      .optional(),
  },
  { error: 'expected an object such as { exec: "node server.js", user: "deploy" }' },
);

const ssh = z.strictObject(
  {
    config: nonEmpty('expected the path of an ssh_config file, relative to hosts.ts').optional(),
    connectTimeout: positiveSeconds('expected a number of seconds greater than 0').optional(),
    commandTimeout: positiveSeconds('expected a number of seconds greater than 0').optional(),
    stallTimeout: positiveSeconds('expected a number of seconds greater than 0').optional(),
  },
  { error: 'expected an object such as { config: "ssh_config", connectTimeout: 10, commandTimeout: 600 }' },
);

const health = z.strictObject(
  {
    url: checked('expected an http:// URL, such as "http://127.0.0.1:4000/health"', healthUrlProblem).optional(),
    timeout: positiveSeconds('expected a number of seconds greater than 0').optional(),
    confirm: z
      .number({ error: 'expected a number of seconds, 0 or more (0 turns the second look off)' })
      .min(0, { error: 'expected a number of seconds, 0 or more (0 turns the second look off)' })
      .max(600, { error: 'expected at most 600 seconds' })
      .optional(),
  },
  { error: 'expected an object such as { url: "http://127.0.0.1:4000/health" }' },
);

const dns = z.strictObject(
  {
    server: checked('expected the DNS server that takes dynamic updates, such as "ns1.example.com"', dnsServerProblem),
    zone: checked('expected the DNS zone the names are in, such as "example.com"', dnsNameProblem),
    keyFile: nonEmpty('expected the local path of a TSIG key file (as `tsig-keygen` writes it), relative to hosts.ts'),
    timeout: positiveSeconds('expected a number of seconds greater than 0').optional(),
  },
  { error: 'expected an object such as { server: "ns1.example.com", zone: "example.com", keyFile: "acme.key" }' },
);

const certs = z.strictObject(
  {
    domains: z
      .array(checked('expected a DNS name such as "hello.example.com"', certNameProblem), {
        error: 'expected an array of DNS names, such as ["hello.example.com"]',
      })
      .min(1, { error: 'expected at least one DNS name, such as ["hello.example.com"]' })
      .optional(),
    email: z
      .string({ error: 'expected a contact email address' })
      .regex(/^[^\s@"'<>]+@[^\s@"'<>]+\.[^\s@"'<>]+$/, { error: 'expected a contact email address, such as "ops@example.com"' })
      .optional(),
    webroot: checked('expected the absolute directory on the hosts served at /.well-known/acme-challenge/', remotePathProblem).optional(),
    directory: checked('expected "letsencrypt", "letsencrypt-staging" or an https:// directory URL', acmeDirectoryProblem).optional(),
    profile: checked('expected a profile name the CA offers, such as "shortlived"', profileProblem).optional(),
    dns: dns.optional(),
    reload: checked('expected the systemd unit to reload, such as "nginx"', unitNameProblem).optional(),
    keyPath: checked('expected an absolute path on the hosts', remotePathProblem).optional(),
    certPath: checked('expected an absolute path on the hosts', remotePathProblem).optional(),
    keyType: z.enum(['ecdsa-p256', 'rsa-2048'], { error: 'expected "ecdsa-p256" or "rsa-2048"' }).optional(),
  },
  { error: 'expected an object such as { domains: ["hello.example.com"], email: "ops@example.com", webroot: "/var/www/html" }' },
);

const timer = z.strictObject(
  {
    run: argv('["bin/backup"]'),
    on: checked('expected a systemd OnCalendar expression, such as "daily" or "*-*-* 03:00"', (v) =>
      v.trim() === '' ? 'must not be empty' : singleLineProblem(v),
    ),
    once: z.boolean({ error: 'expected true or false' }).optional(),
  },
  { error: 'expected an object such as { run: ["bin/backup"], on: "daily" }' },
);

const TIMER = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const timers = z.record(
  z.string().regex(TIMER, { error: 'not a valid timer name; use lowercase letters, digits, - and _, such as "backup"' }),
  timer,
  { error: 'expected an object of timers, such as { backup: { run: ["bin/backup"], on: "daily" } }' },
);

const role = z.strictObject(
  {
    unit: checked('expected a systemd unit name such as "hello-worker"', unitNameProblem).optional(),
    health: health.optional(),
    service: service.optional(),
    timers: timers.optional(),
  },
  { error: 'expected an object such as { unit: "hello-worker", service: { exec: "node worker.js" } }' },
);

const roleName = z
  .string()
  .regex(ROLE, { error: 'not a valid role name; use lowercase letters, digits, - and _, such as "worker"' })
  .refine((name) => name !== 'app', {
    error: '"app" is the role of the stage\'s own unit, health and service; set those on the stage itself',
  });

const roles = z.record(roleName, role, { error: 'expected an object of roles, such as { worker: { unit: "hello-worker" } }' });

const hostSpec = checked('expected a host such as "deploy@web1.example.com"', hostSpecProblem);

const hostEntry = z.union(
  [
    hostSpec,
    z.strictObject({
      host: hostSpec,
      roles: z
        .array(z.string({ error: 'expected a role name such as "worker"' }), {
          error: 'expected an array of role names, such as ["worker"]',
        })
        .min(1, { error: 'expected at least one role, such as ["worker"]; leave roles out for the stage\'s own unit' })
        .optional(),
    }),
  ],
  { error: 'expected a host such as "deploy@web1.example.com", or { host: "work1", roles: ["worker"] }' },
);

const hostCount = (expected: string) => z.number({ error: expected }).int({ error: expected }).min(1, { error: expected });
const BATCH = 'expected a number of hosts such as 2, or a share of them from "1%" to "100%" such as "25%"';

const rollout = z.strictObject(
  {
    canary: hostCount('expected a number of hosts, 1 or more').optional(),
    batch: z
      .custom<number | string>(
        (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1) || (typeof v === 'string' && SHARE.test(v)),
        { error: BATCH },
      )
      .optional(),
    pause: z
      .number({ error: 'expected a number of seconds, 0 or more' })
      .min(0, { error: 'expected a number of seconds, 0 or more' })
      .max(86_400, { error: 'expected a number of seconds, at most 86400' })
      .optional(),
  },
  { error: 'expected an object such as { canary: 1, batch: "25%", pause: 5 }' },
);

const hooks = z.strictObject(
  {
    before: argv('["./notify.sh", "starting"]').optional(),
    after: argv('["./notify.sh", "done"]').optional(),
    failed: argv('["./notify.sh", "failed"]').optional(),
  },
  { error: 'expected an object such as { after: ["./notify.sh"], failed: ["./notify.sh"] }' },
);

/** Fields a stage takes, which the top level may also set as defaults for every stage. */
const stageSettings = {
  path: checked('expected the absolute directory on the hosts, such as "/srv/hello"', deployPathProblem).optional(),
  unit: checked('expected a systemd unit name such as "hello"', unitNameProblem).optional(),
  keep: z
    .number({ error: 'expected an integer >= 1' })
    .int({ error: 'expected an integer >= 1' })
    .min(1, { error: 'expected an integer >= 1' })
    .optional(),
  shared: z
    .array(checked('expected a path relative to the release, such as ".env" or "uploads/"', sharedPathProblem), {
      error: 'expected an array of paths, such as [".env", "uploads/"]',
    })
    .optional(),
  health: health.optional(),
  certs: certs.optional(),
  sudo: z.boolean({ error: 'expected true or false' }).optional(),
  build: build.optional(),
  service: service.optional(),
  ssh: ssh.optional(),
  roles: roles.optional(),
  rollout: rollout.optional(),
  migrate: argv('["bin/migrate"]').optional(),
  hooks: hooks.optional(),
  requireClean: z.boolean({ error: 'expected true or false' }).optional(),
  timers: timers.optional(),
};

const stage = z.strictObject(
  {
    hosts: z
      .array(hostEntry, {
        error: 'expected an array of hosts, such as ["deploy@web1.example.com"]',
      })
      .min(1, { error: 'expected at least one host, such as ["deploy@web1.example.com"]' }),
    ...stageSettings,
  },
  { error: 'expected an object such as { hosts: ["deploy@web1.example.com"], path: "/srv/hello" }' },
);

export const hostsSchema = z.strictObject(
  {
    app: z
      .string({ error: 'expected the app name, such as "hello"' })
      .regex(APP, { error: 'expected lowercase letters, digits, - and _, starting with a letter or digit, at most 63 characters' }),
    ...stageSettings,
    stages: z
      .record(z.string().regex(STAGE, { error: 'not a valid stage name; use lowercase letters, digits, - and _, such as "prod"' }), stage, {
        error: 'expected an object of stages, such as { prod: { hosts: [...], path: "/srv/hello" } }',
      })
      .refine((stages) => Object.keys(stages).length > 0, { error: 'expected at least one stage, such as prod' }),
  },
  { error: 'expected an object such as defineHosts({ app: "hello", stages: { ... } })' },
);

/** hosts.ts after validation. Same shape as the input: defaults are filled per stage by resolveStage. */
export type HostsConfig = z.output<typeof hostsSchema>;

/** Known fields of each object in hosts.ts, for "did you mean" on unknown ones. */
export const knownFields = {
  top: Object.keys(hostsSchema.shape),
  stage: Object.keys(stage.shape),
  /** Fields that only make sense inside a stage, never at the top level. */
  stageOnly: Object.keys(stage.shape).filter((key) => !(key in hostsSchema.shape)),
  sections: {
    build: Object.keys(build.shape),
    service: Object.keys(service.shape),
    ssh: Object.keys(ssh.shape),
    health: Object.keys(health.shape),
    certs: Object.keys(certs.shape),
    dns: Object.keys(dns.shape),
    rollout: Object.keys(rollout.shape),
    hooks: Object.keys(hooks.shape),
  } as Record<string, string[]>,
  /** Fields of one role (`roles.worker`) and of a host written as an object. */
  role: Object.keys(role.shape),
  /** Fields of one timer (`timers.backup`). */
  timer: Object.keys(timer.shape),
  host: ['host', 'roles'],
};

// The hand-written types in types.ts are what users see; fail the build if they drift apart.
// Strict equality, not mutual assignability, which would miss an optional field on one side.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const inputMatches: Equals<z.input<typeof hostsSchema>, HostsInput> = true;
const outputMatches: Equals<HostsConfig, HostsInput> = true;
void inputMatches;
void outputMatches;
