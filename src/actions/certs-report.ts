/**
 * What a failed `ship certs renew` prints: one paragraph per failed stage, made for the mail
 * cron sends. Its first line says what failed; the lines under it, indented, say where and why,
 * with the warnings gathered on the way (a webroot that is not served, a record left in DNS);
 * its last line is the one thing to do next, ending with the command that tries again.
 *
 *   error: prod: hello.example.com: could not get a new certificate: the CA could not validate ...
 *     web1: http://hello.example.com/.well-known/acme-challenge/ on this host does not serve ...
 *     next: check that ..., then run: ship certs renew prod
 */
import { errorText } from '../acme/order.js';
import { ShipError } from '../errors.js';
import { exitCodeFor } from '../output/failures.js';

/** A warning met while renewing a stage, kept for the stage's paragraph (or printed after success). */
export interface Note {
  host?: string;
  text: string;
}

const AGAIN = /,? ?then run: ship certs renew \S+( --verbose)?$/;

export function stageFailure(stage: string, domains: readonly string[], failures: readonly unknown[], notes: readonly Note[]): ShipError {
  const lines = failures.flatMap((failure) =>
    messageOf(failure)
      .split('\n')
      .filter((l) => l.trim() !== ''),
  );
  const [first = 'failed', ...rest] = lines;
  const body = [
    `${stage}: ${domains.join(', ')}: ${first}`,
    ...rest.map(indent),
    ...notes.map((n) => indent(n.host ? `${n.host}: ${n.text}` : n.text)),
  ];
  const unexpected = failures.some((f) => !(f instanceof ShipError));
  const hints = [
    ...new Set(failures.flatMap((f) => (f instanceof ShipError && f.hint ? [f.hint.replace(AGAIN, '')] : [])).filter(Boolean)),
  ];
  const again = unexpected ? `ship certs renew ${stage} --verbose` : `ship certs renew ${stage}`;
  const hint =
    hints.length > 0
      ? `${hints.join('; ')}, then run: ${again}`
      : unexpected
        ? `run again with --verbose for details: ${again}`
        : `run: ${again}`;
  return new ShipError(body.join('\n'), {
    hint,
    exitCode: exitCodeFor(failures),
    ...(failures.length === 1 && failures[0] instanceof ShipError && failures[0].options.host ? { host: failures[0].options.host } : {}),
  });
}

function messageOf(failure: unknown): string {
  return failure instanceof ShipError ? failure.message : errorText(failure);
}

/** Continuation lines sit under the first; lines that bring their own indent (`  | stderr`) keep it. */
function indent(line: string): string {
  return /^\s/.test(line) ? line : `  ${line}`;
}
