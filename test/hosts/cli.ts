/**
 * Boot or stop a lab of test hosts from the shell (the demo and benchmarks use this):
 *   npx jiti test/hosts/cli.ts up --id 2 --hosts h1,h2 [--hidden]   prints the lab as JSON
 *   npx jiti test/hosts/cli.ts down --id 2
 */
import { parseArgs } from 'node:util';
import { startLab, stopLab } from './lab.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { id: { type: 'string', default: '9' }, hosts: { type: 'string', default: 'h1' }, hidden: { type: 'boolean', default: false } },
});
const id = Number(values.id);
const log = (line: string) => process.stderr.write(`lab: ${line}\n`);
if (positionals[0] === 'up') {
  const lab = await startLab({ id, hosts: values.hosts.split(','), hidden: values.hidden, log });
  process.stdout.write(`${JSON.stringify(lab, null, 2)}\n`);
} else if (positionals[0] === 'down') {
  await stopLab(id);
} else {
  process.stderr.write('usage: cli.ts up|down --id N [--hosts h1,h2] [--hidden]\n');
  process.exitCode = 2;
}
