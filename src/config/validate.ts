import type * as z from 'zod';
import { certsProblems, needsWebroot } from './certs-rules.js';
import { hostsSchema, knownFields, type HostsConfig } from './schema.js';
import { closest } from './suggest.js';

export type Validated = { ok: true; config: HostsConfig } | { ok: false; problems: string[] };

/**
 * Check the default export of hosts.ts. Problems come back as `field.path: what is wrong`, one
 * per line, all at once, so a person fixes the file in one pass instead of one error per run.
 */
export function validateHosts(raw: unknown): Validated {
  const parsed = hostsSchema.safeParse(raw, { reportInput: true });
  const problems = parsed.success ? [] : parsed.error.issues.flatMap(formatIssue);
  // Run even when zod found problems: a missing `path` is worth knowing about in the same pass.
  problems.push(...missingAfterMerge(raw), ...certsAfterMerge(raw), ...hostProblems(raw));
  if (parsed.success && problems.length === 0) return { ok: true, config: parsed.data };
  return { ok: false, problems: [...new Set(problems)] };
}

/** `stages.prod.hosts[1]`: dotted names, indexes in brackets, odd keys quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z0-9_$-]+$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function at(path: readonly PropertyKey[], message: string): string {
  return path.length === 0 ? message : `${formatPath(path)}: ${message}`;
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], unknownField(issue.path, key)));
    case 'invalid_key':
      // The bad key is already in the path; its own issue says what a key must look like.
      return [at(issue.path, issue.issues[0]?.message ?? issue.message)];
    case 'invalid_type':
      if (issue.input === undefined) return [at(issue.path, `missing; ${issue.message}`)];
      break;
    case 'invalid_union': {
      // A host is a string or an object: say what is wrong with the kind that was given, not
      // that it is neither. Only when no branch fits its kind, the union's own message.
      const fitting = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (fitting.length === 1)
        return fitting[0]!.flatMap((i) => formatIssue({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
    }
  }
  return [at(issue.path, `${issue.message}, got ${describe(issue.input)}`)];
}

function unknownField(path: readonly PropertyKey[], key: string): string {
  if (path.length === 0 && knownFields.stageOnly.includes(key)) {
    return `unknown field at the top level; it belongs in each stage, as stages.<name>.${key}`;
  }
  const known = knownFieldsAt(path);
  if (known === undefined) return 'unknown field';
  const guess = closest(key, known);
  return guess !== undefined ? `unknown field; did you mean "${guess}"?` : `unknown field; expected one of: ${known.join(', ')}`;
}

function knownFieldsAt(path: readonly PropertyKey[]): readonly string[] | undefined {
  if (path.length === 0) return knownFields.top;
  if (path.length === 2 && path[0] === 'stages') return knownFields.stage;
  if (path.at(-2) === 'roles') return knownFields.role;
  if (path.at(-2) === 'timers') return knownFields.timer;
  if (path.at(-2) === 'hosts' && typeof path.at(-1) === 'number') return knownFields.host;
  const last = path.at(-1);
  return typeof last === 'string' && Object.hasOwn(knownFields.sections, last) ? knownFields.sections[last] : undefined;
}

/** How a value reads in a message: strings quoted (so spaces and newlines show), others by kind. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 80 ? `${quoted.slice(0, 76)}..."` : quoted;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/*
 * Fields required in every stage once the top-level defaults are merged in. zod cannot see
 * these: each side is optional on its own (a stage may inherit `path`, or the top level may
 * hold a `service` whose `exec` differs per stage).
 */
const REQUIRED: Record<string, Record<string, string>> = {
  '': { path: 'expected the absolute directory on the hosts, such as "/srv/hello"' },
  build: {
    run: 'expected the build command as an array of words, such as ["npm", "run", "build"]',
    dir: 'expected the directory (relative to hosts.ts) whose contents are the release, such as "dist"',
  },
  service: {
    exec: 'expected the command line of the service, such as "node server.js"',
    user: 'expected the unix user the service runs as, such as "deploy"',
  },
  health: { url: 'expected an http:// URL, such as "http://127.0.0.1:4000/health"' },
  certs: {
    domains: 'expected the names on the certificate, such as ["hello.example.com"]',
    email: 'expected a contact email address, such as "ops@example.com"',
    webroot:
      'expected the absolute directory on the hosts served at /.well-known/acme-challenge/ (for HTTP-01; not needed when certs.dns answers every name)',
  },
};

/** Required fields that a stage may go without, given the rest of its merged section. */
const UNLESS: Record<string, (merged: Record<string, unknown>) => boolean> = {
  'certs.webroot': (certs) => !needsWebroot(certs),
};

function missingAfterMerge(raw: unknown): string[] {
  if (!isRecord(raw) || !isRecord(raw.stages)) return [];
  const stages = Object.entries(raw.stages).filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]));
  const problems: string[] = [];
  for (const [section, fields] of Object.entries(REQUIRED)) {
    const top = section === '' ? raw : raw[section];
    for (const [field, expected] of Object.entries(fields)) {
      const lacking = stages.filter(([, stage]) => {
        const own = section === '' ? stage : stage[section];
        // A section nobody set is optional as a whole; only a half-written one is a problem.
        if (section !== '' && own === undefined && top === undefined) return false;
        // A section of the wrong type is already reported by zod; its fields are not "missing".
        if ([own, top].some((value) => value !== undefined && !isRecord(value))) return false;
        if (UNLESS[`${section}.${field}`]?.({ ...(top as Record<string, unknown>), ...(own as Record<string, unknown>) })) return false;
        return fieldOf(own, field) === undefined && fieldOf(top, field) === undefined;
      });
      if (lacking.length === 0) continue;
      const prefix = section === '' ? [] : [section];
      if (section !== '' && isRecord(top) && lacking.length === stages.length) {
        // Every stage inherits the same hole from the top level: say so once, where it is.
        problems.push(at([...prefix, field], `missing; ${expected}`));
      } else {
        const where =
          section === ''
            ? `set it in the stage, or once at the top level`
            : `set it in stages.<name>.${section} or in the top-level ${section}`;
        for (const [name] of lacking) problems.push(at(['stages', name, ...prefix, field], `missing; ${expected} (${where})`));
      }
    }
  }
  return problems;
}

/** Checks across certs fields per stage (certs-rules.ts), reported where each field is set. */
function certsAfterMerge(raw: unknown): string[] {
  if (!isRecord(raw) || !isRecord(raw.stages)) return [];
  const top = isRecord(raw.certs) ? raw.certs : undefined;
  return Object.entries(raw.stages).flatMap(([name, stage]) => {
    const own = isRecord(stage) && isRecord(stage.certs) ? stage.certs : undefined;
    if (!own && !top) return [];
    const where = (field: string) =>
      formatPath(own && (field in own || !top || !(field in top)) ? ['stages', name, 'certs', field] : ['certs', field]);
    return certsProblems({ ...top, ...own }, where);
  });
}

/**
 * What zod cannot see in one host entry: a role no `roles` (of the stage or the top level)
 * defines, and a host listed twice, which would get two locks and two deploys.
 */
function hostProblems(raw: unknown): string[] {
  if (!isRecord(raw) || !isRecord(raw.stages)) return [];
  const problems: string[] = [];
  for (const [name, stage] of Object.entries(raw.stages)) {
    if (!isRecord(stage) || !Array.isArray(stage.hosts)) continue;
    const defined = [
      'app',
      ...new Set([...Object.keys(isRecord(raw.roles) ? raw.roles : {}), ...Object.keys(isRecord(stage.roles) ? stage.roles : {})]),
    ];
    const seen = new Map<string, number>();
    stage.hosts.forEach((entry: unknown, i) => {
      const spec = typeof entry === 'string' ? entry : isRecord(entry) && typeof entry.host === 'string' ? entry.host : undefined;
      if (spec === undefined) return;
      if (seen.has(spec))
        problems.push(
          at(
            ['stages', name, 'hosts', i],
            `${JSON.stringify(spec)} is listed twice (also hosts[${seen.get(spec)}]); list it once, with all its roles`,
          ),
        );
      else seen.set(spec, i);
      if (!isRecord(entry) || !Array.isArray(entry.roles)) return;
      entry.roles.forEach((role: unknown, j) => {
        if (typeof role !== 'string' || defined.includes(role)) return;
        const guess = closest(role, defined);
        problems.push(
          at(
            ['stages', name, 'hosts', i, 'roles', j],
            `unknown role ${JSON.stringify(role)}; roles of this stage: ${defined.join(', ')}${guess === undefined ? '' : `. Did you mean "${guess}"?`}`,
          ),
        );
      });
    });
  }
  return problems;
}

function fieldOf(section: unknown, field: string): unknown {
  return isRecord(section) ? section[field] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
