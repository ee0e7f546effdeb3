/**
 * Who a ship process is, in a form another ship can check later: a fingerprint of the machine
 * (machine id, boot id and pid namespace), the pid, and the process's start time.
 *
 * Hostnames are not unique (every CI container is `ubuntu`) and pids are reused, so a lock or a
 * temporary file is only provably abandoned when it was made under this very fingerprint and its
 * pid is gone, or now belongs to a process that started later. Anything else (another machine,
 * a reboot, another container sharing the kernel, no /proc) is never assumed dead.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';

export interface ProcessIdentity {
  /** sha256 of machine id, boot id and pid namespace, shortened: says nothing about the machine itself. */
  machine: string;
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

let cachedMachine: string | undefined;

/**
 * This machine's fingerprint, or '' when it cannot be known (no /proc). The boot id and the pid
 * namespace alone already name one process table; the machine id, where there is one, is mixed in too.
 */
export function machineFingerprint(): string {
  if (cachedMachine !== undefined) return cachedMachine;
  const machineId = read('/etc/machine-id') || read('/var/lib/dbus/machine-id');
  const bootId = read('/proc/sys/kernel/random/boot_id');
  let pidNamespace = '';
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // not Linux: no way to tell pid namespaces apart
  }
  cachedMachine =
    bootId && pidNamespace ? createHash('sha256').update(`${machineId}\n${bootId}\n${pidNamespace}`).digest('hex').slice(0, 24) : '';
  return cachedMachine;
}

/** The start time of a live process, or undefined when no process has that pid. */
export function processStart(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may contain spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/** The identity of this process. */
export function currentProcess(): ProcessIdentity {
  return { machine: machineFingerprint(), pid: process.pid, start: processStart(process.pid) ?? '' };
}

/**
 * True only when `who` was a process of this machine (same fingerprint) that no longer runs:
 * its pid is free, or taken by a process that started at another time.
 */
export function provablyGone(who: Partial<ProcessIdentity> | undefined): boolean {
  if (!who || typeof who.pid !== 'number' || !Number.isInteger(who.pid) || who.pid <= 0) return false;
  const machine = machineFingerprint();
  if (machine === '' || who.machine !== machine || typeof who.start !== 'string' || who.start === '') return false;
  return processStart(who.pid) !== who.start;
}

/** The same, for a process that is alive and ours to wait for. */
export function aliveHere(who: Partial<ProcessIdentity> | undefined): boolean {
  return who?.machine === machineFingerprint() && machineFingerprint() !== '' && !provablyGone(who);
}

/**
 * Whether some process has this pid now (signal 0 checks without sending; EPERM means it runs
 * as another user). Says nothing about which process it is: for that, provablyGone.
 */
export function pidRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
