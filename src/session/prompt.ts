/** Ask on the terminal without echoing (key passphrases). Only called when stdin is a TTY. */
export function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let answer = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
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
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
