import { describe, expect, it } from 'vitest';
import { readEnvironmentFile } from '../../../src/systemd/environment-file.js';

const values = (text: string) => Object.fromEntries(readEnvironmentFile(text).map((a) => [a.name, a.value]));

describe('readEnvironmentFile', () => {
  // Expected values: what systemd 252 (Debian bookworm, the test hosts) gave a service with
  // this file as EnvironmentFile= (systemd-run -p EnvironmentFile=... env).
  it('reads values as systemd hands them to the service', () => {
    const file = [
      'A=plain value  ',
      'B="dq \\"x\\" \\\\ \\$ \\` \\n \\a end"',
      `C='sq "x" \\\\ $HOME'`,
      'D=unq\\\\back\\nslash\\"q',
      `E="a"b'c'  "d"`,
      'G = spaced',
      'H="multi',
      'line"',
      'I=trailing\\',
      'next',
      'J=$HOME $$ ${X}',
      'K=#notcomment',
      ';semi=1',
      '# comment',
      'L="%h %%"',
      'EMPTY=',
    ].join('\n');
    expect(values(file)).toEqual({
      A: 'plain value',
      B: 'dq "x" \\ $ ` \\n \\a end',
      C: 'sq "x" \\\\ $HOME',
      D: 'unq\\backnslash"q',
      E: `ab'c'  "d"`,
      G: 'spaced',
      H: 'multi\nline',
      I: 'trailingnext',
      J: '$HOME $$ ${X}',
      K: '#notcomment',
      L: '%h %%',
      EMPTY: '',
    });
  });

  it('keeps names systemd ignores (export X), so their values are still known', () => {
    expect(readEnvironmentFile('export F=exported\n')).toEqual([{ name: 'export F', value: 'exported' }]);
  });

  it('ends the last value at the end of the file, newline or not, and an unterminated quote there too', () => {
    expect(values('A=1\nB=two  ')).toEqual({ A: '1', B: 'two' });
    expect(values('A="open\nstill')).toEqual({ A: 'open\nstill' });
    expect(values('A=x\r\nB=y\r\n')).toEqual({ A: 'x', B: 'y' });
  });

  it('reads the line after a comment ending in \\ as an assignment (systemd >= 254; reading more only hides more)', () => {
    expect(values('# note \\\nCONT=after\n')).toEqual({ CONT: 'after' });
  });
});
