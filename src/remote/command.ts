/**
 * A remote command as data. Nothing in ship builds a shell string by hand: every command is
 * an argv array, and `renderCommand` is the one place that turns it into a line for `sh -c`.
 */
export interface Command {
  /** Program and arguments, passed to the remote shell each as one word. */
  argv: readonly string[];
  /** Run in this directory: rendered as `cd DIR && ...`, so a failed cd stops the command. */
  cwd?: string;
  /** Run through `sudo -n` (never prompts; fails instead). */
  sudo?: boolean;
  /**
   * Run as this user through `sudo -n -u USER` (never prompts; fails instead): for writes into a
   * directory that user owns, so a file they swap for a symlink can only ever hurt themselves.
   */
  sudoUser?: string;
  /** Extra environment variables, set with `env NAME=VALUE` so they survive sudo. */
  env?: Readonly<Record<string, string>>;
  /**
   * Values that must never be printed (dry-run plans, errors, logs). The renderer leaves them
   * in; `redact()` replaces them when the command is shown to a person.
   */
  secrets?: readonly string[];
  /**
   * A short name for errors and progress (`verify sha256 and extract`), for commands whose
   * argv is a long script. Plans (--dry-run) still print the full command.
   */
  label?: string;
  /** The script's file name (`receive.sh`) when argv is `sh -c BODY ...`: plans print it, --full its body. */
  script?: string;
}
