/**
 * Boots the end-to-end test hosts once for the whole e2e run and stops them afterwards.
 * There is no skip: when the hosts cannot boot, the run fails and says why.
 */
import type { TestProject } from 'vitest/node';
import { startLab, stopLab, type Lab } from './lab.js';
import { ensurePebble } from './pebble-package.js';

// SHIP_LAB_ID lets two e2e runs (two engineers, or a run and the demo) use separate labs.
export const LAB_ID = Number(process.env.SHIP_LAB_ID ?? 1);

declare module 'vitest' {
  export interface ProvidedContext {
    lab: Lab;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`test hosts: ${line}\n`);
  // Fetched here, once, rather than by the first certificate test that needs it.
  await ensurePebble(log);
  const lab = await startLab({
    id: LAB_ID,
    hosts: ['h1', 'h2', 'h3'],
    hidden: true,
    log,
  });
  project.provide('lab', lab);
  return async () => {
    if (process.env.SHIP_KEEP_LAB !== '1') await stopLab(LAB_ID);
  };
}
