/**
 * A remote command as data. Nothing in ship builds a shell string by hand: every command is
 * an argv array, and `renderCommand` is the one place that turns it into a line for `sh -c`.
 */
export interface Command {
  /** Program and arguments, passed to the remote shell each as one word. */
  argv: readonly string[];
  /** Run in this directory: rendered as `cd DIR && ...`, so a failed cd stops the command. */
  cwd?: string;
  /**
   * Privileged: run through `sudo -n` (never prompts; fails instead) when the stage allows sudo.
   * Builders mark what needs root; `stageSudo` is the one place the stage's `sudo` is applied.
   */
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
   * argv is a long script.
   */
  label?: string;
  /**
   * The file under src/remote/sh this command runs (`take-lock.sh`), for commands made by
   * `script()`: argv is then `sh -c BODY NAME ARGS...`, and people are shown `NAME ARGS...`.
   */
  script?: string;
}

/**
 * The stage's sudo rule, the one place it is applied (session/sudo-rule.ts sends every command
 * through it): with `sudo: false` in hosts.ts, a command marked privileged runs as the SSH user.
 * `sudoUser` stays: dropping privileges to the service user is not asking for more.
 */
export function stageSudo(command: Command, allowed: boolean): Command {
  if (allowed || !command.sudo) return command;
  const { sudo: _dropped, ...rest } = command;
  return rest;
}

/** Give a command a short name for progress and errors. */
export const labelled = (label: string, command: Command): Command => ({ ...command, label });
