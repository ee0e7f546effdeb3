import { describe, expect, it } from 'vitest';
import { ExitCode, ShipError } from '../../../src/errors.js';
import { describeFailure, exitCodeFor, exitCodeOf, failureLines, withHost } from '../../../src/output/failures.js';

describe('failure lines', () => {
  it('names the host once, indents the rest, and ends with the next command to type', () => {
    const error = new ShipError('web1: lock held by ann\nsince 10:00', { hint: 'ship lock release prod' });
    expect(failureLines('web1', error)).toEqual(['failed: web1: lock held by ann', '  since 10:00', '  next: ship lock release prod']);
    expect(failureLines('web2', 'plain text')).toEqual(['failed: web2: plain text']);
  });

  it('does not prefix a line that already starts with the host', () => {
    expect(withHost('web1', 'web1 (10.0.0.1): refused')).toBe('web1 (10.0.0.1): refused');
    expect(withHost('web1', 'refused')).toBe('web1: refused');
  });

  it('describes a failure by its first line, without the host prefix', () => {
    expect(describeFailure(new Error('web1: exit 3\nstderr...'), 'web1')).toBe('exit 3');
    expect(describeFailure(new Error('web1: exit 3'))).toBe('web1: exit 3');
  });
});

describe('exit codes', () => {
  it('keeps a ShipError exit code, and any other error fails with 1', () => {
    expect(exitCodeOf(new ShipError('x', { exitCode: ExitCode.config }))).toBe(ExitCode.config);
    expect(exitCodeOf(new Error('x'))).toBe(ExitCode.failed);
  });

  it('gives the one shared code of several failures, else 1; undefined entries are no failure', () => {
    const config = new ShipError('x', { exitCode: ExitCode.config });
    expect(exitCodeFor([config, undefined, config])).toBe(ExitCode.config);
    expect(exitCodeFor([config, new ShipError('y', { exitCode: ExitCode.connection })])).toBe(ExitCode.failed);
    expect(exitCodeFor([undefined])).toBe(ExitCode.failed);
  });
});
