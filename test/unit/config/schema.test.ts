/**
 * The hosts.ts schema itself (validate.ts words its errors for people; this checks what the
 * schema takes and refuses, and that knownFields, behind "did you mean", follows the schema).
 */
import { describe, expect, it } from 'vitest';
import { hostsSchema, knownFields } from '../../../src/config/schema.js';

const minimal = { app: 'hello', stages: { prod: { hosts: ['deploy@web1.example.com'], path: '/srv/hello' } } };

function problems(input: unknown): Array<{ path: string; message: string }> {
  const result = hostsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('hostsSchema', () => {
  it('takes the smallest hosts.ts and gives it back unchanged (defaults come later, per stage)', () => {
    expect(hostsSchema.parse(minimal)).toEqual(minimal);
  });

  it('refuses a bad app name, no stages, and a bad stage name, with an example of what to write', () => {
    expect(problems({ ...minimal, app: 'Hello World' })).toEqual([
      { path: 'app', message: 'expected lowercase letters, digits, - and _, starting with a letter or digit, at most 63 characters' },
    ]);
    expect(problems({ app: 'hello', stages: {} })).toEqual([{ path: 'stages', message: 'expected at least one stage, such as prod' }]);
    // A bad stage name is refused at the name (validate.ts words it for people).
    expect(problems({ app: 'hello', stages: { 'Prod!': minimal.stages.prod } }).map((p) => p.path)).toEqual(['stages.Prod!']);
    expect(problems('hello')).toEqual([{ path: '', message: 'expected an object such as defineHosts({ app: "hello", stages: { ... } })' }]);
  });

  it('takes service.envFile as a local path or as a command (argv), and refuses anything else with both examples', () => {
    const withEnvFile = (envFile: unknown) => ({ ...minimal, service: { envFile } });
    expect(problems(withEnvFile('.env.prod'))).toEqual([]);
    expect(problems(withEnvFile(['sops', '-d', 'prod.env']))).toEqual([]);
    for (const bad of [42, [], [''], '']) {
      const found = problems(withEnvFile(bad));
      expect(found.length, JSON.stringify(bad)).toBeGreaterThan(0);
      expect(
        found.every((p) => p.path.startsWith('service.envFile')),
        JSON.stringify(found),
      ).toBe(true);
    }
    expect(problems(withEnvFile(42))[0]?.message).toContain('["sops", "-d", "prod.env"]');
  });

  it('refuses unknown keys at every level (a typo is never silently ignored)', () => {
    expect(problems({ ...minimal, colour: 'red' }).map((p) => p.path)).toEqual(['']);
    const typo = { ...minimal, stages: { prod: { ...minimal.stages.prod, healt: {} } } };
    expect(problems(typo).map((p) => p.path)).toEqual(['stages.prod']);
  });
});

describe('knownFields', () => {
  it('lists what the schema takes, and stage-only fields are never top-level ones', () => {
    expect(knownFields.top).toEqual(expect.arrayContaining(['app', 'stages', 'build', 'service', 'ssh', 'health']));
    expect(knownFields.stage).toEqual(expect.arrayContaining(['hosts', 'path', 'keep', 'shared']));
    expect(knownFields.stageOnly).toEqual(['hosts']); // everything else may be a top-level default
    for (const field of knownFields.stageOnly) expect(knownFields.top).not.toContain(field);
    for (const field of knownFields.stage.filter((f) => !knownFields.stageOnly.includes(f))) expect(knownFields.top).toContain(field);
    expect(knownFields.sections.health).toEqual(expect.arrayContaining(['url', 'timeout', 'confirm']));
    // Every field the schema names parses where it is listed (a list that drifted would fail here).
    for (const section of Object.keys(knownFields.sections))
      expect(knownFields.top.includes(section) || knownFields.stage.includes(section) || section === 'dns').toBe(true);
  });
});
