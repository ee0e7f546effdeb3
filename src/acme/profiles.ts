/**
 * `certs.profile` against the profiles the CA's directory offers (`meta.profiles`, from
 * draft-ietf-acme-profiles: `{ "classic": "description", ... }`), checked before anything is
 * ordered, so a typo is an error naming what the CA offers, not a failed order at the CA.
 */
import { ConfigError } from '../errors.js';
import { fetchDirectory } from './directory.js';

/** name -> description, or undefined when the directory lists none. */
export function offeredProfiles(directory: Record<string, unknown>): Record<string, string> | undefined {
  const meta = directory.meta;
  const profiles = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>).profiles : undefined;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) return undefined;
  return Object.fromEntries(
    Object.entries(profiles).map(([name, description]) => [name, typeof description === 'string' ? description : '']),
  );
}

/** Why `profile` cannot be ordered from this directory, or undefined when it can. */
export function profileProblem(profile: string, directoryUrl: string, directory: Record<string, unknown>): ConfigError | undefined {
  const offered = offeredProfiles(directory);
  if (!offered || Object.keys(offered).length === 0) {
    return new ConfigError(
      `certs.profile is "${profile}", but the CA at ${directoryUrl} offers no profiles`,
      'remove certs.profile from hosts.ts (this CA issues one kind of certificate)',
    );
  }
  if (Object.hasOwn(offered, profile)) return undefined;
  const names = Object.keys(offered).sort();
  const list = names.map((name) => (offered[name] ? `${name} (${offered[name]})` : name)).join(', ');
  return new ConfigError(
    `certs.profile "${profile}" is not a profile the CA at ${directoryUrl} offers; it offers: ${list}`,
    `set certs.profile in hosts.ts to one of ${names.join(', ')}, or remove it for the CA's default`,
  );
}

/**
 * Throws when the CA answers and does not offer `profile`. A CA that cannot be reached says
 * nothing here: a renewal that is due reports that itself, and one that is not stays quiet.
 */
export async function checkProfile(profile: string | undefined, directoryUrl: string, log: (text: string) => void): Promise<void> {
  if (profile === undefined) return;
  let directory: Record<string, unknown>;
  try {
    directory = await fetchDirectory(directoryUrl);
  } catch (error) {
    log(`profile "${profile}" not checked: ${(error as Error).message}`);
    return;
  }
  const problem = profileProblem(profile, directoryUrl, directory);
  if (problem) throw problem;
}
