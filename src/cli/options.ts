/** Options and values shared by several subcommands, defined once. */
import { InvalidArgumentError, Option } from 'commander';
import { parseBatch } from '../recipe/batches.js';

/** A number of seconds for `flag`, above `min` (or equal to it, when `orEqual`). */
const seconds =
  (flag: string, min: number, orEqual: boolean) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (n === min && !orEqual)) {
      throw new InvalidArgumentError(`expected a number of seconds, ${orEqual ? `${min} or more` : `more than ${min}`} (e.g. ${flag} 60)`);
    }
    return n;
  };

/** `--lock-wait SECONDS`: wait for another ship's deploy lock instead of failing at once. */
export const lockWaitOption = () =>
  new Option('--lock-wait <seconds>', "wait this long for another deploy's lock instead of failing")
    .argParser(seconds('--lock-wait', 0, true))
    .default(0);

/** `--deadline SECONDS`: how long `ship verify` may spend hashing a host's files. */
export const deadlineOption = () =>
  new Option('--deadline <seconds>', "stop hashing a host's files after this long; what was not hashed is reported")
    .argParser(seconds('--deadline', 0, false))
    .default(300);

/** `--timeout SECONDS` (`ship exec`): this run's deadline per host instead of ssh.commandTimeout. */
export const timeoutOption = () =>
  new Option(
    '--timeout <seconds>',
    'stop the command on a host that runs it longer than this (default: ssh.commandTimeout in hosts.ts, 600; 0: no limit)',
  ).argParser(seconds('--timeout', 0, true));

/**
 * What a lock says this run is: `ship deploy prod`, `ship run prod backup`. Never the rest of the
 * command line: the lock is readable on the host, and recipe arguments may carry anything.
 */
export const commandName = (...words: string[]) => ['ship', ...words].join(' ');

/** `--batch N|N%`: hosts per batch of a rolling deploy or rollback, instead of rollout.batch in hosts.ts. */
export const batchOption = () =>
  new Option(
    '--batch <hosts>',
    'switch and restart this many hosts at a time (or a share, such as 25%), each batch healthy before the next',
  ).argParser(parseBatch);
