/**
 * The steps of `ship env push` and `ship env diff` on one host: read shared/.env (as the service
 * user, who owns it), compare it with service.envFile by variable name, and write the new file
 * while keeping the old one as shared/.env.previous. Values never leave the Output's redaction:
 * both files' values are registered as secrets the moment they are read.
 */
import type { Command } from '../remote/command.js';
import { envFiles } from '../remote/env.js';
import { files } from '../remote/files.js';
import { systemctl } from '../remote/systemctl.js';
import { parseEnvFile, type EnvFile } from '../config/env-file.js';
import { ConfigError } from '../errors.js';
import { displayPath } from '../output/display-path.js';
import { describeEnvKeyDiff, envKeyDiff, type EnvKeyDiff } from '../systemd/env-keys.js';
import { envFilePath } from '../systemd/unit-file.js';
import { loadEnvFile } from './env-source.js';
import { loginOf, type SetupHost, stateOf } from './setup-steps.js';
import type { Role } from '../config/types.js';

/** What an env step needs of its host: a setup step's view, and the units it restarts. */
export interface EnvHost extends SetupHost {
  readonly roles: readonly Pick<Role, 'unit'>[];
}

/** Where the file before the last push is kept, beside shared/.env. */
export const previousPath = (current: string) => `${current}.previous`;

/** The stage's env file (file or command), or a clear error when hosts.ts has none. */
export async function wantedEnvFile(host: SetupHost): Promise<EnvFile> {
  const { stage, output, signal } = host.context;
  const env = await loadEnvFile(stage, output, signal);
  if (env) return env;
  throw new ConfigError(
    `stage ${stage.name} has no service.envFile in ${displayPath(stage.configFile)}, so ship env has nothing to push or compare`,
    "add envFile: '.env.prod' (a local file) or envFile: ['sops', '-d', 'prod.env'] (a command that prints it) to service",
  );
}

/**
 * Run `command` as the service user: through `sudo -n -u`, or directly when the SSH user is that
 * user (no sudo to ask). Who the SSH user is, is asked once per host and run.
 */
async function asServiceUser(host: SetupHost, command: Command): Promise<Command> {
  const user = host.context.stage.service?.user ?? '';
  const state = stateOf(host);
  if (state.login === undefined) {
    const found = await host.run(files.directoryState(user, undefined, []), { readOnly: true, offline: { stdout: 'group -\n' } });
    state.login = loginOf(found.stdout.split('\n')) ?? '';
  }
  return state.login === user ? { ...command, sudoUser: undefined } : { ...command, sudoUser: user };
}

/** shared/.env as it is on the host ('' when there is none), its values registered as secrets. */
export async function hostEnvFile(host: SetupHost): Promise<string> {
  const { stage, output } = host.context;
  const user = stage.service?.user ?? '';
  const read = await host.run(await asServiceUser(host, envFiles.read(envFilePath(stage), user)), { readOnly: true });
  output.addSecrets(parseEnvFile(read.stdout).secrets);
  return read.stdout;
}

/** Which variables the push would change on this host, by name. */
export async function diffEnvFile(host: SetupHost): Promise<EnvKeyDiff & { same: boolean }> {
  const env = await wantedEnvFile(host);
  const before = await hostEnvFile(host);
  return { ...envKeyDiff(before, env.content.toString('utf8')), same: Buffer.from(before).equals(env.content) };
}

/**
 * Write service.envFile as shared/.env (mode 0600, atomically, as the service user), after keeping
 * the file there as shared/.env.previous. Recorded for the runner's undo before the write: when
 * this or any host of the run fails, the previous file is copied back and the units restarted.
 * Returns false, changing nothing, when the host has this file already.
 */
export async function pushEnvFile(host: EnvHost): Promise<boolean> {
  const { stage } = host.context;
  const user = stage.service?.user ?? '';
  const path = envFilePath(stage);
  host.status('env file');
  const env = await wantedEnvFile(host);
  const diff = await diffEnvFile(host);
  if (diff.same) {
    host.nothingNeeded('shared/.env is already this env file');
    return false;
  }
  await host.run(await asServiceUser(host, envFiles.copy(path, previousPath(path), user)));
  // Undone newest first: the previous file back, then each unit reset and restarted with it.
  for (const { unit } of host.roles) {
    host.applied.record({
      kind: 'command',
      label: `restart ${unit} with the previous env file`,
      command: systemctl.action('restart', unit),
    });
    host.applied.record({ kind: 'command', label: `reset ${unit} before that restart`, command: systemctl.resetFailed(unit) });
  }
  const restore = await asServiceUser(host, envFiles.copy(previousPath(path), path, user));
  host.applied.record({ kind: 'command', label: 'restore shared/.env', command: restore });
  const label = `(env file: ${env.names.length} variable${env.names.length === 1 ? '' : 's'})`;
  await host.run(await asServiceUser(host, files.installOwnFile(path, '600', user, env.content.length)), {
    stdin: env.content,
    stdinLabel: label,
  });
  host.status(`${host.context.dryRun ? 'would write' : 'wrote'} shared/.env: ${describeEnvKeyDiff(diff)}`);
  return true;
}
