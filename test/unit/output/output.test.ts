import { describe, expect, it } from 'vitest';
import { Output, type OutputMode } from '../../../src/output/output.js';

function capture(mode: OutputMode, secrets: string[]): { output: Output; text: () => string } {
  const chunks: string[] = [];
  const sink = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  const output = new Output({ mode, verbose: true, stdout: sink, stderr: sink });
  output.addSecrets(secrets);
  return { output, text: () => chunks.join('') };
}

const QUOTED = 'pa"ss\\wo\'rd';

describe('Output redaction', () => {
  it('--json: fields are redacted before serialising, so " and \\ in a secret do not let it through', () => {
    const { output, text } = capture('json', [QUOTED]);
    output.hostLine('h1', 'stderr', `password=${QUOTED}`);
    output.error(`h1: command failed:\n  | ${QUOTED}`, 'next');
    output.notice(`value ${QUOTED}`, 'h1');
    output.event('row', { nested: { list: [QUOTED, 3] }, at: 1 });
    const events = text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.line ?? e.message ?? e.text ?? e.nested)).toEqual([
      'password=***',
      'h1: command failed:\n  | ***',
      'value ***',
      { list: ['***', 3] },
    ]);
    expect(text()).not.toContain(JSON.stringify(QUOTED).slice(1, -1));
  });

  it('--json: a secret the app logged as JSON is redacted in that form too', () => {
    const { output, text } = capture('json', [QUOTED]);
    output.hostLine('h1', 'stdout', JSON.stringify({ msg: 'login', password: QUOTED }));
    expect(JSON.parse(text()).line).toBe('{"msg":"login","password":"***"}');
  });

  it('plain: every form is redacted, and values shorter than 3 characters never are', () => {
    const { output, text } = capture('plain', [QUOTED, '42', 'x']);
    output.info(`raw ${QUOTED} json ${JSON.stringify(QUOTED)} 42 x`);
    expect(text()).toBe('raw *** json "***" 42 x\n');
  });

  it('secrets registered later apply to what is printed from then on', () => {
    const { output, text } = capture('plain', []);
    output.info('token abc123');
    output.addSecrets(['abc123']);
    output.info('token abc123');
    expect(text()).toBe('token abc123\ntoken ***\n');
  });
});
