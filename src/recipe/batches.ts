/**
 * Which hosts go together in a rolling deploy: the canary batch first, then batches of
 * `batch` hosts (or of a share of all hosts, rounded up), in hosts.ts order. Pure.
 */
import { InvalidArgumentError } from 'commander';
import type { Stage } from '../config/types.js';

export type Rollout = NonNullable<Stage['rollout']>;

const SHARE = /^([1-9][0-9]?|100)%$/;

/** Hosts per batch for `total` hosts: a number as it is, a share rounded up; all without either. */
export function batchSize(batch: number | string | undefined, total: number): number {
  if (batch === undefined) return Math.max(1, total);
  if (typeof batch === 'number') return batch;
  return Math.max(1, Math.ceil((total * Number(batch.slice(0, -1))) / 100));
}

export function planBatches<T>(hosts: readonly T[], rollout: Rollout | undefined): T[][] {
  if (hosts.length === 0) return [];
  const batches: T[][] = [];
  const canary = Math.min(rollout?.canary ?? 0, hosts.length);
  if (canary > 0) batches.push(hosts.slice(0, canary));
  const size = batchSize(rollout?.batch, hosts.length);
  for (let i = canary; i < hosts.length; i += size) batches.push(hosts.slice(i, i + size));
  return batches;
}

/** `--batch N` or `--batch N%`, as the stage's `rollout.batch` takes it. */
export function parseBatch(value: string): number | string {
  if (SHARE.test(value)) return value;
  if (/^[0-9]+$/.test(value) && Number(value) >= 1) return Number(value);
  throw new InvalidArgumentError('expected a number of hosts such as 2, or a share of them such as 25% (e.g. --batch 2)');
}
