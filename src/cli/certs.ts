/** `ship certs renew|status|cron`: wiring only; the work is in src/acme. */
import type { Command } from 'commander';
import type { Wrap } from './main.js';

export function registerCerts(program: Command, wrap: Wrap): void {
  void program;
  void wrap;
}
