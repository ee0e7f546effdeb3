/**
 * `ship certs renew [stage]`: for each stage with certs, read what every host has, decide
 * whether it is due, and if so get a certificate (ordered, or one issued earlier that did not
 * reach every host) and install it on every host.
 *
 * Made for cron: nothing on stdout or stderr when nothing is due; one line per renewed
 * certificate; on failure one paragraph per stage that says what failed, where, and what to do
 * (certs-report.ts), and a non-zero exit. One stage's failure does not stop the others. A lock
 * keeps two runs apart.
 */
import { assess } from '../acme/assess.js';
import { loadAccount } from '../acme/account.js';
import { webrootResponder } from '../acme/challenge.js';
import { confirmServed } from '../acme/confirm.js';
import { dnsResponder, loadTsigKey } from '../acme/dns/responder.js';
import { activate, prepare, type InstallFiles } from '../acme/install.js';
import { inStep } from '../session/plan-step.js';
import { jitterMs } from '../acme/jitter.js';
import { acquireLock } from '../acme/lock.js';
import { ChallengeFailed, errorText, orderCertificate, type IssuedPair, type Responders } from '../acme/order.js';
import { stateDir } from '../acme/paths.js';
import { originRecord } from '../acme/origin.js';
import { clearPending, clearStagePending, loadPending, pendingDir, savePending } from '../acme/pending.js';
import { configuredProblem, lifetimeDecision } from '../acme/policy.js';
import { checkProfile } from '../acme/profiles.js';
import { readHostCert, type HostReading } from '../acme/read.js';
import { isPubliclyTrusted } from '../acme/trust.js';
import { InvalidCertificate, validatePair } from '../acme/validate.js';
import { parseChain, type CertFacts } from '../acme/x509.js';
import { tlsServerName } from '../config/cert-names.js';
import { ACME_DIRECTORIES } from '../config/rules.js';
import { ConfigError, ExitCode, ShipError } from '../errors.js';
import type { Output } from '../output/output.js';
import { Session } from '../session/session.js';
import { stageFailure, type Note } from './certs-report.js';
import type { CertStage } from './certs-stages.js';
import { exitCodeFor } from '../output/failures.js';
import type { RemoteHost } from '../host/host.js';
import { certHosts, passing, withDeployLock } from './certs-hosts.js';

/** How long a renewal waits for a deploy on the same hosts to finish. */
const DEPLOY_LOCK_WAIT_SECONDS = 600;

export interface RenewOptions {
  force: boolean;
  /** Sleep a random 0-8 minutes before the first order when not on a terminal. */
  randomSleep: boolean;
  dryRun: boolean;
  /** --offline and --full, with --dry-run (see Session). */
  offline?: boolean;
  full?: boolean;
  hostFilter: string[];
}

export async function renewCerts(output: Output, stages: readonly CertStage[], options: RenewOptions): Promise<number> {
  if (options.hostFilter.length > 0) {
    throw new ConfigError(
      'certs renew works on every host of a stage: the CA may ask any of them for the token, and all must serve the same certificate',
      'run it without --host',
    );
  }
  const lock = options.dryRun ? undefined : await acquireLock('certs-renew', stateDir(), '`ship certs renew`');
  const errors: ShipError[] = [];
  const jitter = { slept: false };
  try {
    for (const stage of stages) {
      const session = new Session(stage, output, { dryRun: options.dryRun, offline: options.offline, full: options.full, hostFilter: [] });
      const failures: unknown[] = [];
      const run: Run = { output, options, jitter, notes: [] };
      try {
        failures.push(...(await renewStage(stage, session, run)));
      } catch (error) {
        failures.push(error);
      } finally {
        await session.close();
      }
      // Warnings belong in the failure's paragraph; after a success they are worth a line each.
      if (failures.length > 0) errors.push(stageFailure(stage.name, stage.certs.domains, failures, run.notes));
      else for (const note of run.notes) output.notice(note.text, note.host);
    }
  } finally {
    await lock?.release();
  }
  for (const error of errors) output.error(error.message, error.hint);
  return errors.length === 0 ? ExitCode.ok : exitCodeFor(errors);
}

interface Run {
  output: Output;
  options: RenewOptions;
  /** Shared by the stages of a run: the random sleep happens once. */
  jitter: { slept: boolean };
  notes: Note[];
}

/** Renews one stage's certificate if due. Returns per-host failures; throws when nothing could be done. */
async function renewStage(stage: CertStage, session: Session, run: Run): Promise<ShipError[]> {
  const { certs } = stage;
  const { output, options } = run;
  const name = `${stage.name}: ${certs.domains.join(', ')}`;
  const debug = (text: string) => output.debug(`${name}: ${text}`);

  // Before anything is read or ordered: a profile the CA does not offer is a mistake in hosts.ts.
  // (--offline asks no one, the CA included.)
  if (!session.offline) await checkProfile(certs.profile, certs.directoryUrl, debug);
  const readings = await readAll(stage, session);
  const now = new Date();
  const { decision, replaces } = await assess(readings, certs, { now, force: options.force, log: debug });
  if (!decision.due) {
    // A person at a terminal gets an answer; cron (not a terminal) gets silence.
    if (output.mode === 'tty') output.info(`${name}: not due, ${decision.reason}`);
    else debug(`not due: ${decision.reason}`);
    return [];
  }
  debug(`due: ${decision.reason}`);
  const trustedNow = readings.some((r) => r.cert.state === 'present' && r.cert.origin.trusted);
  if (trustedNow && certs.directory === 'letsencrypt-staging') throw stagingRefusal(stage);
  if (options.dryRun) return planOnly(stage, session, decision.reason, run.output);

  // Never interleave with a deploy to these hosts: wait for one to finish (cron can wait).
  const hosts = await certHosts(session, DEPLOY_LOCK_WAIT_SECONDS);
  return withDeployLock(hosts, output, () =>
    renewDue(stage, session, run, { hosts, readings, decision, replaces, trustedNow, now, debug }),
  );
}

interface Due {
  /** The stage's hosts, locked. */
  hosts: RemoteHost[];
  readings: HostReading[];
  decision: { reason: string };
  replaces: string | undefined;
  trustedNow: boolean;
  now: Date;
  debug: (text: string) => void;
}

async function renewDue(stage: CertStage, session: Session, run: Run, due: Due): Promise<ShipError[]> {
  const { certs } = stage;
  const { output, options } = run;
  const { hosts, readings, decision, replaces, trustedNow, now, debug } = due;
  // Per CA directory: after `directory` changes, a pair from the old CA is never installed.
  const pendingPath = pendingDir(stage.configFile, stage.name, certs.domains, certs.directoryUrl);
  let pair = options.force ? undefined : await reusablePending(pendingPath, stage, now, debug);
  const reused = pair !== undefined;
  if (!pair) {
    await randomSleepOnce(run);
    pair = await order(stage, session, run, replaces, debug);
    // Kept until every host has it, so a failed install is retried without a new order.
    await savePending(pendingPath, pair);
  }

  let facts: CertFacts;
  try {
    facts = validatePair(pair.keyPem, pair.certPem, { domains: certs.domains, keyType: certs.keyType }, new Date());
    if (trustedNow && !isPubliclyTrusted(parseChain(pair.certPem))) throw stagingRefusal(stage);
  } catch (error) {
    await clearPending(pendingPath);
    if (error instanceof InvalidCertificate)
      throw new ShipError(`refusing to install: ${error.message}; the hosts keep their current certificate`);
    throw error;
  }

  const had = holders(readings, facts.fingerprint, stage);
  const files = { keyPem: pair.keyPem, certPem: pair.certPem, origin: originRecord(pair.directoryUrl, facts.fingerprint, pair.profile) };
  const { installed, errors } = await install(stage, session, hosts, had, files, facts);
  const without = session.hosts.filter((h) => !installed.includes(h) && !had.has(h));
  if (without.length === 0) await clearStagePending(pendingPath);
  if (installed.length > 0) {
    const partial = without.length > 0 ? ` (not on ${without.join(', ')})` : '';
    output.info(
      `${stage.name}: ${reused ? 'installed' : 'renewed'} ${certs.domains.join(', ')} on ${installed.join(', ')}${partial}: serial ${facts.serial}, expires ${facts.notAfter.toISOString()} (${reused ? 'issued earlier, not yet on every host' : `due: ${decision.reason}`})`,
    );
    output.event('renewed', {
      stage: stage.name,
      domains: certs.domains,
      hosts: installed,
      serial: facts.serial,
      notAfter: facts.notAfter.toISOString(),
      reused,
      reason: decision.reason,
    });
  }
  return errors;
}

async function readAll(stage: CertStage, session: Session): Promise<HostReading[]> {
  const results = await Promise.allSettled(
    session.hosts.map(async (host) => readHostCert(host, await session.connection(host), stage.certs)),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new ShipError(failed.map((e) => errorText(e)).join('\n'), { exitCode: exitCodeFor(failed) });
  return results.map((r) => (r as PromiseFulfilledResult<HostReading>).value);
}

/** Hosts that already have the certificate with this fingerprint, and know where it came from. */
function holders(readings: readonly HostReading[], fingerprint: string, stage: CertStage): Set<string> {
  const { certs } = stage;
  const wanted = { domains: certs.domains, keyType: certs.keyType, directoryUrl: certs.directoryUrl, profile: certs.profile };
  return new Set(
    readings.flatMap(({ cert }) =>
      cert.state === 'present' && cert.facts.fingerprint === fingerprint && !configuredProblem(cert.facts, cert.origin, wanted)
        ? [cert.host]
        : [],
    ),
  );
}

/** A pair from an earlier run that did not reach every host, if it is still a good one. */
async function reusablePending(dir: string, stage: CertStage, now: Date, debug: (text: string) => void): Promise<IssuedPair | undefined> {
  const pair = await loadPending(dir);
  if (!pair) return undefined;
  try {
    if (pair.directoryUrl !== stage.certs.directoryUrl)
      throw new Error(`it was ordered from ${pair.directoryUrl}, not ${stage.certs.directoryUrl}`);
    if (pair.profile !== stage.certs.profile)
      throw new Error(
        `it was ordered with ${pair.profile ? `profile "${pair.profile}"` : 'no profile'}, not ${stage.certs.profile ? `"${stage.certs.profile}"` : 'none'}`,
      );
    const facts = validatePair(pair.keyPem, pair.certPem, { domains: stage.certs.domains, keyType: stage.certs.keyType }, now);
    if (!lifetimeDecision(facts, now).due) return pair;
    debug('the pending certificate from an earlier run is itself due; ordering a new one');
  } catch (error) {
    debug(`the pending certificate from an earlier run is unusable: ${errorText(error)}`);
  }
  await clearPending(dir);
  return undefined;
}

async function order(
  stage: CertStage,
  session: Session,
  run: Run,
  replaces: string | undefined,
  debug: (text: string) => void,
): Promise<IssuedPair> {
  const { certs } = stage;
  const note = (text: string, host?: string) => run.notes.push({ text, ...(host ? { host } : {}) });
  try {
    const account = await loadAccount(certs.directoryUrl);
    const responders: Responders = {};
    if (certs.webroot) {
      const targets = await Promise.all(session.hosts.map(async (host) => ({ host, connection: await session.connection(host) })));
      responders.http = webrootResponder(targets, { webroot: certs.webroot, sudo: stage.sudo, warn: note });
    }
    if (certs.dns) {
      const key = await loadTsigKey(certs.dns);
      session.output.addSecrets([key.secret.toString('base64')]);
      responders.dns = dnsResponder({ dns: certs.dns, key, log: debug, warn: note });
    }
    return await orderCertificate({
      account,
      email: certs.email,
      domains: certs.domains,
      keyType: certs.keyType,
      profile: certs.profile,
      replaces,
      responders,
      log: debug,
    });
  } catch (error) {
    if (error instanceof ShipError) throw error;
    const message = errorText(error);
    throw new ShipError(`could not get a new certificate: ${message}; the certificate and key on the hosts are unchanged`, {
      hint: orderHint(stage, error, message),
      cause: error,
    });
  }
}

/** What to check when an order failed, by what failed. */
function orderHint(stage: CertStage, error: unknown, message: string): string {
  const { certs } = stage;
  if (message.startsWith('cannot reach')) return `check that ${certs.directoryUrl} is reachable from this machine`;
  if (error instanceof ChallengeFailed && error.type === 'dns-01') {
    return `check that every name server of ${certs.dns?.zone} serves _acme-challenge TXT records added through ${certs.dns?.server}`;
  }
  if (error instanceof ChallengeFailed) {
    const where = error.identifier.includes(':') ? `[${error.identifier}]` : error.identifier;
    return `check that http://${where}/.well-known/acme-challenge/ is served from ${certs.webroot} on every host, on port 80 of the address the CA reaches`;
  }
  return `check the CA's answer above; ${certs.profile ? `certs.profile is "${certs.profile}"; ` : ''}more detail with --verbose`;
}

/**
 * Two phases, like a deploy: files in place and `nginx -t` on every host, then reload only where
 * that passed, then confirm over TLS. Hosts that already have this certificate are left alone.
 */
async function install(
  stage: CertStage,
  session: Session,
  hosts: readonly RemoteHost[],
  had: ReadonlySet<string>,
  files: InstallFiles,
  facts: CertFacts,
): Promise<{ installed: string[]; errors: ShipError[] }> {
  const options = { certs: stage.certs };
  const targets = hosts.filter((host) => !had.has(host.name));
  const errors: ShipError[] = [];
  const collect = (host: string, error: unknown) =>
    errors.push(error instanceof ShipError ? error : new ShipError(`${host}: ${errorText(error)}`, { host }));

  const { output } = session;
  const prepared = await passing(
    output,
    targets,
    async ({ name }) => prepare(name, await session.connection(name), files, options),
    collect,
  );
  const activated = await passing(
    output,
    prepared,
    async ({ name: host }) => {
      const connection = await session.connection(host);
      await activate(host, connection, options);
      if (stage.certs.reload) {
        const served = await confirmServed(connection, tlsServerName(stage.certs.domains), facts.fingerprint);
        if (!served.ok) {
          errors.push(
            new ShipError(
              `${host}: the new certificate is installed and ${stage.certs.reload} reloaded, but port 443 still serves ${served.last}, not serial ${facts.serial}`,
              {
                host,
                hint: `check that the TLS configuration on ${host} uses ${stage.certs.certPath} and ${stage.certs.keyPath}`,
              },
            ),
          );
        }
      }
    },
    collect,
  );
  return { installed: activated.map((h) => h.name), errors };
}

/** --dry-run: the decision, then the commands the install would run on each host. */
async function planOnly(stage: CertStage, session: Session, reason: string, output: Output): Promise<ShipError[]> {
  const { certs } = stage;
  const challenges = [
    ...(certs.dns ? [`DNS-01 with TXT records in ${certs.dns.zone} through ${certs.dns.server}`] : []),
    ...(certs.webroot ? [`HTTP-01 in ${certs.webroot}/.well-known/acme-challenge/ on ${session.hosts.join(', ')}`] : []),
  ];
  output.info(
    `${stage.name}: ${certs.domains.join(', ')} is due (${reason}); would order from ${certs.directoryUrl}${certs.profile ? ` with profile ${certs.profile}` : ''}, answering ${challenges.join(' and ')}, then install:`,
  );
  const placeholder: InstallFiles = { keyPem: '(new private key)', certPem: '(new full chain)', origin: '(origin record)' };
  for (const host of session.hosts) {
    const connection = await session.connection(host);
    await inStep('install key and full chain', () => prepare(host, connection, placeholder, { certs }));
    await inStep(`reload ${certs.reload ?? ''}`.trim(), () => activate(host, connection, { certs }));
  }
  session.printPlans();
  return [];
}

/** Once per run, before the first real order (see jitter.ts). */
async function randomSleepOnce(run: Run): Promise<void> {
  if (run.jitter.slept) return;
  run.jitter.slept = true;
  const ms = jitterMs({ enabled: run.options.randomSleep, terminal: process.stdout.isTTY === true });
  if (ms === 0) return;
  run.output.debug(`sleeping ${Math.round(ms / 1000)} s before ordering (not a terminal; --no-random-sleep skips this)`);
  await new Promise((r) => setTimeout(r, ms));
}

function stagingRefusal(stage: CertStage): ShipError {
  return new ShipError(
    `refusing to replace a publicly trusted certificate with one from ${stage.certs.directory === 'letsencrypt-staging' ? "Let's Encrypt staging" : stage.certs.directoryUrl}, which browsers do not trust; the hosts keep their current certificate`,
    {
      hint: `set certs.directory to "letsencrypt" (${ACME_DIRECTORIES.letsencrypt}) for stage ${stage.name}, or remove ${stage.certs.certPath} on the hosts if a test certificate is really wanted`,
    },
  );
}
