/**
 * Putting hosts back after a failed or interrupted run: each host's record of applied steps
 * (host/applied.ts) is replayed newest first, each step undone as its kind says, then the lock
 * is released. The runner (runner.ts) calls `settle` whatever the recipe did.
 */
import { RemoteCommandError } from '../errors.js';
import type { AppliedStep } from '../host/applied.js';
import type { RemoteHost, UndoView } from '../host/host.js';
import { switchBackTarget } from '../host/inventory.js';
import { describeFailure } from '../output/failures.js';
import type { Session } from '../session/session.js';

/**
 * Undo what a failed run changed, host by host, then release locks (only now: until a host is
 * undone, no other deploy may take it). Runs through each host's undo view, which ignores the
 * run's abort signal: after Ctrl-C this is the part that must finish.
 */
export async function settle(session: Session, hosts: RemoteHost[], failure: unknown, interrupted: boolean): Promise<void> {
  const { output, stage } = session;
  await Promise.all(
    hosts.map(async (live) => {
      const host = live.undoView();
      try {
        if (failure !== undefined) await undo(session, host, interrupted);
      } catch (error) {
        output.notice(`cleanup failed: ${describeFailure(error)}; check this host (ship releases ${stage.name})`, host.name);
      }
      try {
        await host.releaseLock();
      } catch (error) {
        output.notice(`could not release the lock: ${describeFailure(error)}; run: ship lock release ${stage.name}`, host.name);
      }
    }),
  );
}

/**
 * Put one host back as it was before this run: every step it applied, undone newest first. For a
 * deploy that is: the journals of a failed health check shown, `current` back where it was (and
 * restarted), the new release logged as failed and removed.
 */
export async function undo(session: Session, host: UndoView, interrupted: boolean): Promise<void> {
  for (const step of host.applied.newestFirst()) await undoStep(session, host, step, interrupted);
}

async function undoStep(session: Session, host: UndoView, step: AppliedStep, interrupted: boolean): Promise<void> {
  const { output } = session;
  switch (step.kind) {
    case 'health-failed':
      if (session.dryRun) return;
      for (const { unit } of host.roles) {
        const journal = await host.journal(30, unit);
        output.notice(`last lines of journalctl -u ${unit}:`, host.name);
        for (const line of journal.trimEnd().split('\n')) if (line) output.hostLine(host.name, 'stderr', `  ${line}`);
      }
      return;
    case 'command':
      await host.run(step.command);
      return;
    case 'switch': {
      const { from, to } = step;
      if (from === '' || from === to) {
        output.notice(`no earlier release to switch back to; current stays at ${to}`, host.name);
      } else {
        await switchBack(session, host, from, to);
      }
      // A run that switched to an existing release (ship rollback) and uploaded nothing: say it
      // was undone, without calling that release failed (an interruption says nothing about it).
      // A run that uploaded logs its release when that step is undone, next.
      if (host.applied.uploaded.length === 0) await host.logRelease(interrupted ? 'interrupted' : 'rollback-failed', { release: to });
      return;
    }
    case 'upload': {
      await host.logRelease(interrupted ? 'interrupted' : 'failed');
      const inventory = await host.inventory();
      if (step.release !== inventory.current) await host.removeReleases([step.release]);
      return;
    }
  }
}

/**
 * Point `current` back at what it was before this run, or, when that release is gone from the
 * host, at the newest good one there (switchBackTarget): never at a directory that does not
 * exist. A switch back that fails is reported and the undo goes on, so the failed release is
 * still logged as failed and removed (unless `current` still points at it).
 */
async function switchBack(session: Session, host: UndoView, previous: string, switchedTo: string): Promise<void> {
  const { output } = session;
  const target = switchBackTarget(await host.inventory(), previous, host.applied.uploaded);
  if (target === undefined) {
    output.notice(
      `the release current pointed at before, ${previous}, is gone, and no other good release is here; current stays at ${switchedTo} rather than at nothing`,
      host.name,
    );
    return;
  }
  if (target !== previous)
    output.notice(
      `the release current pointed at before, ${previous}, is gone; switching to ${target}, the newest good release here, instead`,
      host.name,
    );
  output.notice(`rolling back: current -> ${target}`, host.name);
  try {
    await host.switchCurrent(target);
  } catch (error) {
    // The host refused (a release removed between the look and the switch): go on to log and
    // clean up. Anything else (the connection, an abort) is not the host's answer: rethrown.
    if (!(error instanceof RemoteCommandError)) throw error;
    output.notice(
      `could not switch current back to ${target}: ${describeFailure(error)}; current stays at ${switchedTo}: run ship rollback ${session.stage.name} once this is fixed`,
      host.name,
    );
    return;
  }
  await host.restart();
  try {
    await host.healthcheck();
    output.notice(`rolled back to ${target}; it is healthy`, host.name);
  } catch (error) {
    output.notice(`rolled back to ${target}, but it is not healthy either: ${describeFailure(error)}`, host.name);
  }
}
