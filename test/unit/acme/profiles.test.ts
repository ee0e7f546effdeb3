import { describe, expect, it } from 'vitest';
import { offeredProfiles, profileProblem } from '../../../src/acme/profiles.js';
import { ExitCode } from '../../../src/errors.js';

const URL = 'https://ca.example/dir';
// As Let's Encrypt's directory lists them.
const directory = {
  newOrder: 'x',
  meta: {
    profiles: { classic: "The same profile you're accustomed to", shortlived: 'A short-lived cert profile', tlsserver: 'Only serverAuth' },
  },
};

describe('ACME profiles', () => {
  it('reads meta.profiles', () => {
    expect(Object.keys(offeredProfiles(directory) ?? {})).toEqual(['classic', 'shortlived', 'tlsserver']);
    expect(offeredProfiles({ newOrder: 'x' })).toBeUndefined();
    expect(offeredProfiles({ meta: { profiles: ['classic'] } })).toBeUndefined();
  });

  it('accepts a profile the CA offers', () => {
    expect(profileProblem('shortlived', URL, directory)).toBeUndefined();
  });

  it('refuses another, naming what the CA offers, as a configuration error', () => {
    const problem = profileProblem('short-lived', URL, directory)!;
    expect(problem.message).toBe(
      'certs.profile "short-lived" is not a profile the CA at https://ca.example/dir offers; it offers: classic (The same profile you\'re accustomed to), shortlived (A short-lived cert profile), tlsserver (Only serverAuth)',
    );
    expect(problem.hint).toBe("set certs.profile in hosts.ts to one of classic, shortlived, tlsserver, or remove it for the CA's default");
    expect(problem.exitCode).toBe(ExitCode.config);
    // Not Object.prototype's.
    expect(profileProblem('constructor', URL, directory)).toBeDefined();
  });

  it('refuses any profile for a CA without profiles', () => {
    expect(profileProblem('classic', URL, { newOrder: 'x' })?.message).toBe(
      'certs.profile is "classic", but the CA at https://ca.example/dir offers no profiles',
    );
  });
});
