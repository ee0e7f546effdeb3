import { describe, expect, it } from 'vitest';
import { describeEnvKeyDiff, envKeyDiff } from '../../../src/systemd/env-keys.js';

describe('envKeyDiff', () => {
  it('names the variables added, removed and changed, sorted, never a value', () => {
    const diff = envKeyDiff('A=1\nB=same\nC=old\n', 'B=same\nC=new\nD=4\n');
    expect(diff).toEqual({ added: ['D'], removed: ['A'], changed: ['C'] });
    expect(describeEnvKeyDiff(diff)).toBe('added D; removed A; changed C');
    expect(describeEnvKeyDiff(diff)).not.toMatch(/old|new/);
  });

  it('compares values as systemd hands them to the app: a change of quoting only is no change', () => {
    expect(envKeyDiff('A=plain\nB="x y"\n', "A='plain'\n  B = 'x y'\n# a comment\n")).toEqual({ added: [], removed: [], changed: [] });
    expect(describeEnvKeyDiff({ added: [], removed: [], changed: [] })).toBe('no variable differs');
  });

  it('the last assignment of a name wins, as in systemd', () => {
    expect(envKeyDiff('A=1\nA=2\n', 'A=2\n').changed).toEqual([]);
  });

  it('reads a hostile file from a host without naming what is not a variable name', () => {
    const hostile = `$(reboot)=x\n\u001b[2J=y\n${'N'.repeat(500)}=z\n'unterminated\nOK=1\n`;
    const diff = envKeyDiff(hostile, 'OK=2\n');
    expect(diff).toEqual({ added: [], removed: [], changed: ['OK'] });
  });
});
