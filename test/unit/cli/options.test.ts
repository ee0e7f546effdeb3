import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandName, deadlineOption, lockWaitOption, timeoutOption } from '../../../src/cli/options.js';

/** The value commander would store for `flag value`, or the error it would print. */
const parse = (option: ReturnType<typeof lockWaitOption>, value: string) => {
  try {
    return option.parseArg?.(value, undefined);
  } catch (error) {
    return error;
  }
};

describe('shared options', () => {
  it('--lock-wait and --timeout take 0 or more seconds; --deadline more than 0', () => {
    expect(parse(lockWaitOption(), '0')).toBe(0);
    expect(parse(lockWaitOption(), '2.5')).toBe(2.5);
    expect(parse(timeoutOption(), '0')).toBe(0);
    expect(parse(deadlineOption(), '60')).toBe(60);
    const zero = parse(deadlineOption(), '0');
    expect(zero).toBeInstanceOf(InvalidArgumentError);
    expect((zero as Error).message).toBe('expected a number of seconds, more than 0 (e.g. --deadline 60)');
  });

  it('refuses what is not a number of seconds, naming the flag in its example', () => {
    for (const bad of ['', ' ', 'soon', '-1', 'Infinity', 'NaN']) {
      const error = parse(lockWaitOption(), bad);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toBe('expected a number of seconds, 0 or more (e.g. --lock-wait 60)');
    }
  });

  it('has the defaults the help shows', () => {
    expect(lockWaitOption().defaultValue).toBe(0);
    expect(deadlineOption().defaultValue).toBe(300);
    expect(timeoutOption().defaultValue).toBeUndefined();
  });

  it('names a command by its words only', () => {
    expect(commandName('run', 'prod', 'backup')).toBe('ship run prod backup');
  });
});
