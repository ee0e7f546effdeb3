/** A terminal to ask on: the input must be a TTY's (raw mode, so nothing is echoed). */
export interface PromptTerminal {
  input: NodeJS.ReadableStream & { setRawMode(mode: boolean): unknown };
  output: { write(text: string): unknown };
}

/**
 * Ask on the terminal without echoing (key passphrases). Only called when stdin is a TTY.
 * Backspace deletes, Ctrl-C cancels; the terminal is put back (raw mode off) either way.
 */
export function askHidden(question: string, terminal: PromptTerminal = { input: process.stdin, output: process.stderr }): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    output.write(question);
    let answer = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const onData = (char: string) => {
      for (const c of char) {
        if (c === '\r' || c === '\n') {
          done();
          return resolve(answer);
        }
        if (c === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        if (c === '\u007f') answer = answer.slice(0, -1);
        else answer += c;
      }
    };
    const done = () => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
    };
    input.on('data', onData);
  });
}
