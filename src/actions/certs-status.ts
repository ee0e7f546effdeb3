/**
 * `ship certs status [stage] [--warn <days|fraction>]`: what every host has, as a table (stage,
 * host, names, issuer, not-after, days left, due). Made for monitoring, now that CAs send no
 * expiry mail: exit 0 when every certificate is present and outside the warning threshold
 * (default: the last 1/6 of its lifetime), 1 when any is missing, unreadable, expired or inside
 * it, 3 when only the hosts could not be reached (2 is bad configuration, as everywhere).
 */
import { assess } from '../acme/assess.js';
import { errorText } from '../acme/order.js';
import { DEFAULT_WARN, describeWarn, needsAttention, type Warn } from '../acme/policy.js';
import { readHostCert } from '../acme/read.js';
import { ExitCode } from '../errors.js';
import type { Output } from '../output/output.js';
import { Session } from '../session/session.js';
import type { CertStage } from './certs-stages.js';
import { describeFailure, exitCodeFor } from '../output/failures.js';

const DAY = 86_400_000;

export async function certsStatus(
  output: Output,
  stages: readonly CertStage[],
  options: { hostFilter: string[]; warn?: Warn },
): Promise<number> {
  const warn = options.warn ?? DEFAULT_WARN;
  const rows: string[][] = [];
  const problems: string[] = [];
  const failures: unknown[] = [];
  const now = new Date();
  for (const stage of stages) {
    const session = new Session(stage, output, { dryRun: false, hostFilter: options.hostFilter });
    try {
      const results = await Promise.all(
        session.hosts.map(async (host) => {
          try {
            const reading = await readHostCert(host, await session.connection(host), stage.certs);
            const { decision } = await assess([reading], stage.certs, { now, log: (text) => output.debug(text, host) });
            return { host, reading, decision };
          } catch (error) {
            return { host, error };
          }
        }),
      );
      for (const result of results) {
        const domains = stage.certs.domains.join(',');
        if ('error' in result) {
          failures.push(result.error);
          problems.push(`${stage.name} ${result.host}: ${describeFailure(result.error)}`);
          rows.push([stage.name, result.host, domains, '-', '-', '-', `unknown: ${errorText(result.error).split('\n')[0]}`]);
          continue;
        }
        const { cert } = result.reading;
        if (cert.state !== 'present') {
          problems.push(`${stage.name} ${result.host}: ${cert.detail}`);
          rows.push([stage.name, result.host, domains, '-', '-', '-', `yes: ${cert.detail}`]);
          continue;
        }
        const { facts } = cert;
        const left = facts.notAfter.getTime() - now.getTime();
        if (left <= 0) problems.push(`${stage.name} ${result.host}: expired at ${facts.notAfter.toISOString()}`);
        else if (needsAttention(facts, now, warn))
          problems.push(`${stage.name} ${result.host}: expires ${facts.notAfter.toISOString()}, ${describeWarn(warn)}`);
        rows.push([
          stage.name,
          result.host,
          facts.names.join(','),
          facts.issuer,
          facts.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          left <= 0 ? 'expired' : left < DAY ? '<1' : String(Math.floor(left / DAY)),
          result.decision.due ? `yes: ${result.decision.reason}` : 'no',
        ]);
      }
    } finally {
      await session.close();
    }
  }
  output.table(['STAGE', 'HOST', 'DOMAINS', 'ISSUER', 'NOT AFTER', 'DAYS LEFT', 'DUE'], rows, 'certificate');
  if (problems.length === 0) return ExitCode.ok;
  for (const problem of problems) output.notice(`needs attention: ${problem}`);
  output.notice(`run \`ship certs renew${stages.length === 1 ? ` ${stages[0]!.name}` : ''}\` to fix what renewal can fix`);
  return failures.length > 0 && failures.length === problems.length ? exitCodeFor(failures) : ExitCode.failed;
}
