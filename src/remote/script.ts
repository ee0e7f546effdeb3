/**
 * The one way to build a remote shell script: a constant body for `sh -c`, with every value
 * passed as a positional parameter ($1, $2, ...), never spliced into the body.
 */
import type { Command } from './command.js';

export const script = (body: string, ...args: string[]): Command => ({ argv: ['sh', '-c', body, 'sh', ...args] });

/**
 * Shell: fail unless FILE (a shell word such as "$tmp") holds exactly BYTES (one such as "$3")
 * bytes. `cat` cannot tell stdin that ended early, because the connection went away mid-stream,
 * from its real end; a file received that way is cut short: it is removed, never put in place.
 */
export const receivedWhole = (file: string, bytes: string): string =>
  `[ "$(wc -c < ${file})" -eq ${bytes} ] || { rm -f -- ${file}; printf "ship: the input for %s ended early (the connection closed?); nothing was changed\\n" ${file} >&2; exit 75; }`;

/** Give a command a short name for progress and errors (plans still print it whole). */
export const labelled = (label: string, command: Command): Command => ({ ...command, label });

/**
 * Shell functions for scripts that write inside a deploy path the service user may own (and so
 * could swap any name in for a symlink). `enter_releases ROOT` changes into ROOT/releases,
 * setting $base to ROOT's physical path; `enter_own DIR [MODE]` from there into DIR, which must
 * be ours with MODE (default 700). Each cd is followed by `pwd -P`: if a symlink led elsewhere,
 * the physical path differs, and the script refuses before writing. Once inside, a directory
 * stays ours whatever happens to its name.
 */
export const ENTER_OWN = [
  'refuse() { echo "refusing to use $1: $2" >&2; exit 3; }',
  'enter_releases() { cd -P -- "$1"; base=$(pwd -P); cd -P -- releases; [ "$(pwd -P)" = "$base/releases" ] || refuse "$1/releases" "not a directory of its own (a symlink to $(pwd -P))"; }',
  'enter_own() { cd -P -- "$1"; [ "$(pwd -P)" = "$base/releases/$1" ] || refuse "$base/releases/$1" "not a directory of its own (a symlink?)"; [ "$(stat -c %u:%a .)" = "$(id -u):${2:-700}" ] || refuse "$base/releases/$1" "not ours (owner and mode $(stat -c %U:%a .))"; }',
].join('\n');
