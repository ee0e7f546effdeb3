/**
 * How systemd reads an `EnvironmentFile=` (parse_env_file_internal in systemd's env-file.c):
 * the values the service really gets, which differ from the file's text wherever it quotes or
 * escapes. ship needs them to hide a value in the form the app prints it.
 *
 * - A line starting with `#` or `;` (after blanks) is a comment.
 * - Blanks around the name and before the value are dropped, and so are an unquoted value's
 *   trailing blanks.
 * - Unquoted, `\` takes the next character as it is; `\` at the end of a line continues it.
 * - '...' keeps everything as written, newlines too.
 * - "..." turns `\"`, `\\`, `` \` `` and `\$` into the character, keeps any other `\`, and
 *   drops `\` + newline.
 * - A closing quote does not end the value: `"a" "b"` is `ab`, and `"a"b'c'` is `ab'c'` (after
 *   unquoted text, quotes are plain characters).
 * - Nothing is expanded: `$HOME` and `%h` reach the service as written.
 *
 * One difference on purpose: a line after a comment ending in `\` is read as an assignment,
 * as systemd does since v254 (before, it continued the comment). Reading more values than
 * systemd does only ever hides more.
 */

export interface EnvironmentAssignment {
  /** As written before `=`, blanks trimmed; systemd ignores names that are not valid (`export X`). */
  name: string;
  /** What the service gets. */
  value: string;
}

const NEWLINE = '\n\r';
const WHITESPACE = ' \t\n\r';
const COMMENT_START = '#;';
/** Characters a `\` escapes inside double quotes, as in a POSIX shell. */
const DOUBLE_QUOTE_ESCAPES = '"\\`$';

type State = 'preKey' | 'key' | 'preValue' | 'value' | 'valueEscape' | 'single' | 'double' | 'doubleEscape' | 'comment' | 'commentEscape';

export function readEnvironmentFile(text: string): EnvironmentAssignment[] {
  const found: EnvironmentAssignment[] = [];
  let state: State = 'preKey';
  let key = '';
  let value = '';
  // Where the unquoted value's trailing blanks begin, or -1 while it ends in something else.
  let trailingBlanks = -1;
  const push = (chopBlanks: boolean) => {
    found.push({ name: key.trim(), value: chopBlanks && trailingBlanks >= 0 ? value.slice(0, trailingBlanks) : value });
    key = '';
    value = '';
  };

  for (const c of text) {
    switch (state) {
      case 'preKey':
        if (COMMENT_START.includes(c)) state = 'comment';
        else if (!WHITESPACE.includes(c)) {
          state = 'key';
          key = c;
        }
        break;
      case 'key':
        if (NEWLINE.includes(c)) {
          // A line without `=`: no assignment.
          state = 'preKey';
          key = '';
        } else if (c === '=') {
          state = 'preValue';
          trailingBlanks = -1;
        } else key += c;
        break;
      case 'preValue':
        if (NEWLINE.includes(c)) {
          state = 'preKey';
          push(false);
        } else if (c === "'") state = 'single';
        else if (c === '"') state = 'double';
        else if (c === '\\') state = 'valueEscape';
        else if (!WHITESPACE.includes(c)) {
          state = 'value';
          value += c;
        }
        break;
      case 'value':
        if (NEWLINE.includes(c)) {
          state = 'preKey';
          push(true);
        } else if (c === '\\') {
          state = 'valueEscape';
          trailingBlanks = -1;
        } else {
          if (!WHITESPACE.includes(c)) trailingBlanks = -1;
          else if (trailingBlanks < 0) trailingBlanks = value.length;
          value += c;
        }
        break;
      case 'valueEscape':
        state = 'value';
        if (!NEWLINE.includes(c)) value += c;
        break;
      case 'single':
        if (c === "'") state = 'preValue';
        else value += c;
        break;
      case 'double':
        if (c === '"') state = 'preValue';
        else if (c === '\\') state = 'doubleEscape';
        else value += c;
        break;
      case 'doubleEscape':
        state = 'double';
        if (DOUBLE_QUOTE_ESCAPES.includes(c)) value += c;
        else if (c !== '\n') value += `\\${c}`;
        break;
      case 'comment':
        if (c === '\\') state = 'commentEscape';
        else if (NEWLINE.includes(c)) state = 'preKey';
        break;
      case 'commentEscape':
        state = NEWLINE.includes(c) ? 'preKey' : 'comment';
        break;
    }
  }
  // The last line needs no newline; an unterminated quote runs to the end of the file.
  if (state === 'value' || state === 'valueEscape') push(state === 'value');
  else if (state === 'preValue' || state === 'single' || state === 'double' || state === 'doubleEscape') push(false);
  return found;
}
