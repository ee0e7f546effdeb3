/**
 * Pebble 2.10 or newer for the certificate tests: ACME profiles (`meta.profiles`) and renewal
 * information (RFC 9773), which bookworm's pebble 2.4 lacks. Debian's unstable suite has it, as a
 * package whose only dependency is libc6 (>= 2.34), so it runs here as it is.
 *
 * Fetched once per machine, without touching this machine's apt setup: a temporary sources list
 * that names `sid` on the Debian mirror this machine already uses, `apt-get update` and
 * `apt-get download pebble` into a temporary directory, then `dpkg-deb -x` into the test cache
 * (SHIP_TEST_CACHE, default /var/cache/ship-test) as `pebble-<version>/`. Renamed into place
 * when complete, so a fetch killed half-way, or two labs fetching at once, never leave a half
 * package that looks whole.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { CACHE_DIR, MIRROR } from './base-image.js';

export interface PebbleBinaries {
  version: string;
  pebble: string;
  challtestsrv: string;
}

const MINIMUM = [2, 10];
const MARKER = 'debian-version';

/** Pebble from the cache, fetched from Debian unstable the first time. */
export async function ensurePebble(log: (line: string) => void = () => {}): Promise<PebbleBinaries> {
  const cached = await findCached();
  if (cached) return cached;
  if (process.getuid?.() !== 0) throw new Error(`Pebble >= ${MINIMUM.join('.')} is not in ${CACHE_DIR} yet, and fetching it needs root`);
  const mirror = await debianMirror();
  log(`fetching pebble from Debian unstable (${mirror}) into ${CACHE_DIR}`);
  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(CACHE_DIR, '.pebble-fetch-'));
  try {
    const deb = await downloadFromSid(work, mirror);
    const version = (await execa('dpkg-deb', ['-f', deb, 'Version'])).stdout.trim();
    if (!atLeastMinimum(version)) throw new Error(`Debian unstable has pebble ${version}; the tests need ${MINIMUM.join('.')} or newer`);
    const tree = join(work, 'tree');
    await execa('dpkg-deb', ['-x', deb, tree]);
    await writeFile(join(tree, MARKER), `${version}\n`);
    const target = join(CACHE_DIR, `pebble-${upstream(version)}`);
    // Another process may have finished the same fetch meanwhile: its copy is as good.
    await rename(tree, target).catch((error: NodeJS.ErrnoException) => {
      if (!['EEXIST', 'ENOTEMPTY'].includes(error.code ?? '')) throw error;
    });
    const found = await findCached();
    if (!found) throw new Error(`pebble was extracted to ${target} but its binaries are not there`);
    log(`pebble ${found.version} in ${target}`);
    return found;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function findCached(): Promise<PebbleBinaries | undefined> {
  if (!existsSync(CACHE_DIR)) return undefined;
  const found: PebbleBinaries[] = [];
  for (const name of await readdir(CACHE_DIR)) {
    if (!name.startsWith('pebble-')) continue;
    const dir = join(CACHE_DIR, name);
    const version = (await readFile(join(dir, MARKER), 'utf8').catch(() => '')).trim();
    const binaries = { version, pebble: join(dir, 'usr/bin/pebble'), challtestsrv: join(dir, 'usr/bin/pebble-challtestsrv') };
    if (atLeastMinimum(version) && existsSync(binaries.pebble) && existsSync(binaries.challtestsrv)) found.push(binaries);
  }
  return found.sort((a, b) => compareVersions(b.version, a.version))[0];
}

/** `apt-get download pebble` from sid, with apt's state kept in `work` (this machine's is untouched). */
async function downloadFromSid(work: string, mirror: string): Promise<string> {
  const lists = join(work, 'lists');
  const cache = join(work, 'cache');
  const parts = join(work, 'sources.list.d');
  for (const dir of [join(lists, 'partial'), join(cache, 'archives', 'partial'), parts]) await mkdir(dir, { recursive: true });
  const sources = join(work, 'sources.list');
  await writeFile(sources, `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} sid main\n`);
  const options = [
    '-o',
    `Dir::Etc::SourceList=${sources}`,
    '-o',
    `Dir::Etc::SourceParts=${parts}`,
    '-o',
    `Dir::State::Lists=${lists}`,
    '-o',
    `Dir::Cache=${cache}`,
    // The work directory belongs to root; apt's unprivileged _apt user could not write there.
    '-o',
    'APT::Sandbox::User=root',
  ];
  await execa('apt-get', ['-qq', ...options, 'update'], { cwd: work });
  await execa('apt-get', ['-qq', ...options, 'download', 'pebble'], { cwd: work });
  const deb = (await readdir(work)).find((name) => name.startsWith('pebble_') && name.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download pebble left no .deb');
  return join(work, deb);
}

/**
 * The Debian mirror this machine's apt uses (deb822 `.sources` files or one-line `.list` files):
 * the first archive entry that is not a security one. The base image's mirror otherwise.
 */
export async function debianMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const name of (await readdir('/etc/apt/sources.list.d')).sort()) {
      if (name.endsWith('.sources') || name.endsWith('.list')) files.push(join('/etc/apt/sources.list.d', name));
    }
  }
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const uri of file.endsWith('.sources') ? deb822Uris(text) : oneLineUris(text)) {
      if (/\/debian\/?$/.test(uri) && !/security/.test(uri)) return uri.replace(/\/$/, '');
    }
  }
  return MIRROR;
}

function deb822Uris(text: string): string[] {
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const fields = Object.fromEntries(
      stanza
        .split('\n')
        .filter((l) => /^[A-Za-z-]+:/.test(l))
        .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    if (fields.enabled === 'no' || !(fields.types ?? '').split(/\s+/).includes('deb')) return [];
    return (fields.uris ?? '').split(/\s+/).filter(Boolean);
  });
}

function oneLineUris(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const words = line
      .replace(/\[[^\]]*\]/, '')
      .trim()
      .split(/\s+/);
    return words[0] === 'deb' && words[1] ? [words[1]] : [];
  });
}

/** `2.10.0+ds1-2` -> `2.10.0` */
function upstream(version: string): string {
  return version.replace(/^\d+:/, '').replace(/[+~-].*$/, '');
}

function compareVersions(a: string, b: string): number {
  const pa = upstream(a).split('.').map(Number);
  const pb = upstream(b).split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function atLeastMinimum(version: string): boolean {
  return version !== '' && compareVersions(version, MINIMUM.join('.')) >= 0;
}
