/**
 * The passphrase prompt, on a stream standing in for the TTY: nothing echoed, backspace and
 * Ctrl-C as a terminal user expects, raw mode always switched back off.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askHidden } from '../../../src/session/prompt.js';

function terminal() {
  const modes: boolean[] = [];
  const shown: string[] = [];
  const input = Object.assign(new PassThrough(), { setRawMode: (mode: boolean) => modes.push(mode) });
  return { modes, shown, input, output: { write: (text: string) => shown.push(text) } };
}

describe('askHidden', () => {
  it('reads up to Enter, with backspace, echoing nothing, and puts the terminal back', async () => {
    const t = terminal();
    const answer = askHidden('passphrase for ~/.ssh/id_ed25519: ', t);
    t.input.write('secx');
    t.input.write('\u007fret pass');
    t.input.write('\r ignored after Enter');
    expect(await answer).toBe('secret pass');
    expect(t.shown).toEqual(['passphrase for ~/.ssh/id_ed25519: ', '\n']);
    expect(t.modes).toEqual([true, false]);
    expect(t.input.listenerCount('data')).toBe(0);
  });

  it('Ctrl-C cancels, and the terminal is put back as well', async () => {
    const t = terminal();
    const answer = askHidden('passphrase: ', t);
    t.input.write('half\u0003');
    await expect(answer).rejects.toThrow('cancelled');
    expect(t.modes).toEqual([true, false]);
    expect(t.input.listenerCount('data')).toBe(0);
  });
});
