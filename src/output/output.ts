/**
 * Everything ship prints goes through one Output, in one of three modes:
 * - `tty`: a terminal: per-host progress with listr2 (see tasks.ts), then results;
 * - `plain`: not a terminal (cron, CI, pipes): lines prefixed with the host name;
 * - `json`: one JSON object per line on stdout, for machines.
 * Every line passes through `clean`, so a secret registered with `addSecrets` never reaches
 * stdout, stderr or a log, in any form it takes on the way (see secretForms), whatever code
 * printed it. JSON events are cleaned field by field before they are serialised: serialising
 * first would escape a `"` or `\` inside a secret, and the escaped text would no longer match.
 */
import { redactForms, secretForms } from '../remote/render.js';

/**
 * Shorter values are never redacted: replacing every `1` or `ab` in the output would garble
 * it and hide nothing (`ship setup` warns about such values by name).
 */
export const MIN_SECRET_LENGTH = 3;

export type OutputMode = 'tty' | 'plain' | 'json';

export interface OutputOptions {
  mode: OutputMode;
  verbose: boolean;
  /** Where lines go; the defaults are process.stdout / process.stderr. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export class Output {
  readonly mode: OutputMode;
  readonly verbose: boolean;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  private readonly secrets = new Set<string>();
  /** secretForms of `secrets`, computed once per change rather than once per line. */
  private forms: string[] = [];
  /** Hosts' names padded to one width so prefixed columns line up. */
  private prefixWidth = 0;

  constructor(options: OutputOptions) {
    this.mode = options.mode;
    this.verbose = options.verbose;
    this.out = options.stdout ?? process.stdout;
    this.err = options.stderr ?? process.stderr;
  }

  /** Register values that must never be printed (env file values, keys). */
  addSecrets(values: Iterable<string>): void {
    const before = this.secrets.size;
    for (const value of values) if (value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
    if (this.secrets.size !== before) this.forms = secretForms([...this.secrets]);
  }

  clean(text: string): string {
    return this.forms.length === 0 ? text : redactForms(text, this.forms);
  }

  setHosts(names: string[]): void {
    this.prefixWidth = Math.max(0, ...names.map((n) => n.length));
  }

  /** A line for the person running ship (stdout; a `message` event in json mode). */
  info(text: string): void {
    if (this.mode === 'json') return this.event('message', { text });
    this.out.write(`${this.clean(text)}\n`);
  }

  /** Something worth knowing that is not a result (stderr; json `notice`). */
  notice(text: string, host?: string): void {
    if (this.mode === 'json') return this.event('notice', { host, text });
    this.err.write(`${this.clean(host ? `${this.pad(host)} | ${text}` : text)}\n`);
  }

  /** Debug detail, only with --verbose. */
  debug(text: string, host?: string): void {
    if (!this.verbose) return;
    if (this.mode === 'json') return this.event('debug', { host, text });
    this.err.write(`${this.clean(host ? `${this.pad(host)} | ${text}` : text)}\n`);
  }

  /** Output of a remote command, a whole line at a time, prefixed by the host. */
  hostLine(host: string, stream: 'stdout' | 'stderr', line: string): void {
    if (this.mode === 'json') return this.event('output', { host, stream, line });
    const target = stream === 'stdout' ? this.out : this.err;
    target.write(`${this.clean(`${this.pad(host)} | ${line}`)}\n`);
  }

  /** A step starting or finishing on a host (deploy progress). Plain mode prints it; tty shows it in listr2. */
  step(host: string | undefined, title: string): void {
    if (this.mode === 'json') return this.event('step', { host, title });
    if (this.mode === 'plain') this.out.write(`${this.clean(host ? `${this.pad(host)} | ${title}` : title)}\n`);
  }

  /** One JSON event per line; in other modes nothing. */
  event(type: string, data: Record<string, unknown>): void {
    if (this.mode !== 'json') return;
    const payload = JSON.stringify({ type, time: new Date().toISOString(), ...(this.cleanDeep(data) as Record<string, unknown>) });
    this.out.write(`${payload}\n`);
  }

  /** Every string inside plain objects and arrays, cleaned; anything else as it is. */
  private cleanDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.clean(value);
    if (Array.isArray(value)) return value.map((v) => this.cleanDeep(v));
    if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.cleanDeep(v)]));
    }
    return value;
  }

  /** A table: columns aligned; json mode emits one `row` event per row instead. */
  table(headers: string[], rows: string[][], name = 'row'): void {
    if (this.mode === 'json') {
      for (const row of rows) {
        this.event(name, Object.fromEntries(headers.map((h, i) => [h.toLowerCase().replaceAll(' ', '_'), row[i] ?? ''])));
      }
      return;
    }
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    this.out.write(`${this.clean([line(headers), ...rows.map(line)].join('\n'))}\n`);
  }

  /** An error for a person: message, then the next command to type. */
  error(message: string, hint?: string, stack?: string): void {
    if (this.mode === 'json') return this.event('error', { message, hint, stack });
    const lines = [`error: ${message}`];
    if (hint) lines.push(`  next: ${hint}`);
    if (stack) lines.push(stack);
    this.err.write(`${this.clean(lines.join('\n'))}\n`);
  }

  private pad(host: string): string {
    return host.padEnd(this.prefixWidth);
  }
}

/** Splits a stream of text chunks into whole lines for hostLine. */
export function lineSplitter(emit: (line: string) => void): { push(text: string): void; flush(): void } {
  let rest = '';
  return {
    push(text: string) {
      rest += text;
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        emit(rest.slice(0, i).replace(/\r$/, ''));
        rest = rest.slice(i + 1);
      }
    },
    flush() {
      if (rest.length > 0) emit(rest);
      rest = '';
    },
  };
}

export function detectMode(json: boolean, stream: NodeJS.WriteStream = process.stdout): OutputMode {
  if (json) return 'json';
  return stream.isTTY && process.env.TERM !== 'dumb' && process.env.CI !== 'true' ? 'tty' : 'plain';
}
