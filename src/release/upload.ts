/**
 * Putting one release on hosts: what each host already has (its current release's manifest),
 * what it needs, one stream per group of hosts that need the same, the check of what landed
 * against the manifest, and the rename into releases/ once everything matched.
 *
 * Per host: stage (hard-link what the previous release already has), receive (the stream, hashed and
 * extracted on the way), compare (ship reads the host's report), repair (resend whatever a
 * tampered previous release or a broken extraction got wrong, once), finalize.
 */
import { createHash } from 'node:crypto';
import type { Command } from '../remote/command.js';
import type { Layout } from '../remote/release.js';
import { CURRENT_MOVED, upload as commands } from '../remote/upload.js';
import { RemoteCommandError, ShipError } from '../errors.js';
import type { Gathering } from '../session/gathering.js';
import type { RunOptions, RunResult } from '../transport/types.js';
import { isReleaseId } from '../remote/release-names.js';
import { chooseCodec, compressor, shrinks, type Codec } from './codec.js';
import { Fanout } from './fanout.js';
import {
  compareManifests,
  contentIndex,
  parseManifest,
  serializeManifest,
  type Difference,
  type Manifest,
  type ManifestEntry,
} from './manifest.js';
import { parseReport, type Report } from './report.js';
import type { Scan } from './scan.js';
import { tarStream, type TarSource } from './tar-writer.js';
import { formatBytes } from '../output/units.js';

export interface UploadTarget {
  readonly name: string;
  readonly layout: Layout;
  run(command: Command, options?: RunOptions): Promise<RunResult>;
  progress(text: string): void;
  /** Seconds the host may take none of the release stream before it is dropped (ssh.stallTimeout). */
  stallTimeout: number;
}

export interface HostFacts {
  /** Release id `current` points at, '' for none. */
  current: string;
  zstd: boolean;
  /** The current release's manifest, when it has one. */
  manifest?: Manifest;
}

/** What one host needs. */
interface Plan {
  /** What current pointed at when the plan was made ('' for nothing). */
  current: string;
  /** The release unchanged files are linked from ('' when it has no manifest). */
  previous: string;
  /** Same path, same content and mode in the previous release: hard-linked on the host. */
  same: string[];
  /** Content the previous release has under another path: [old, new], hard-linked on the host. */
  moved: Array<[string, string]>;
  /** Sent in the stream: directories and links (cheap) and files with content the host lacks. */
  send: ManifestEntry[];
  /** Hosts with the same key need the same stream. */
  key: string;
}

interface Group {
  fanout: Fanout;
  codec: Codec;
  bytes: number;
}

export class ReleaseUpload {
  private readonly facts = new Map<string, Promise<HostFacts>>();
  private readonly plans = new Map<string, Plan>();
  /** The streams of each upload step (its gathering): a later step's hosts get streams of their own. */
  private readonly groups = new Map<object, Map<string, Promise<Group>>>();

  constructor(
    readonly id: string,
    private scan: Scan | undefined,
  ) {}

  /** The build's scan, once it is done (the facts are asked while it runs). */
  setScan(scan: Scan): void {
    this.scan = scan;
  }

  /** How many streams were made: one per group of hosts that need the same. */
  get streams(): number {
    return [...this.groups.values()].reduce((n, streams) => n + streams.size, 0);
  }

  /** Files and their bytes, for people. */
  get size(): { files: number; bytes: number } {
    const files = this.manifest.entries.filter((e) => e.type === 'file');
    return { files: files.length, bytes: files.reduce((n, e) => n + (e.size ?? 0), 0) };
  }

  get manifest(): Manifest {
    if (!this.scan) throw new Error('ReleaseUpload: the release has not been built yet');
    return this.scan.manifest;
  }

  /** Ask a host what it has; asked once per host, and early (while the build runs). */
  factsOf(host: UploadTarget): Promise<HostFacts> {
    let pending = this.facts.get(host.name);
    if (!pending) {
      pending = readFacts(host);
      pending.catch(() => this.facts.delete(host.name));
      this.facts.set(host.name, pending);
    }
    return pending;
  }

  /** Put the release on `host` as releases/<id>, checked against the manifest. */
  async upload(host: UploadTarget, gathering: Gathering | undefined, dryRun = false): Promise<void> {
    this.targets.set(host.name, host);
    if (dryRun) this.planned.add(host.name);
    let plan = this.plan(await this.factsOf(host));
    // The facts were read before this run held the lock; if current moved since (another
    // deploy's undo), read them again and plan again.
    if (!(await this.stage(host, plan))) {
      this.facts.delete(host.name);
      plan = this.plan(await this.factsOf(host));
      if (!(await this.stage(host, plan)))
        throw new ShipError(`${host.name}: current keeps changing under this deploy`, {
          host: host.name,
          hint: 'another process switches releases on this host: find it',
        });
    }
    this.plans.set(host.name, plan);
    if (plan.moved.length > 0) {
      await host.run(commands.stageMoved(host.layout, this.id, plan.previous), {
        stdin: nulList(plan.moved.flat()),
        stdinLabel: `${plan.moved.length} moved files`,
      });
    }
    // Everyone of this step who uploads, together: one stream for hosts that need the same.
    const arrived = gathering ? await gathering.arrive(host.name) : [host.name];
    const group = await this.groupFor(gathering ?? {}, plan, arrived);
    try {
      await host.run(commands.receive(host.layout, this.id, group.codec, plan.previous), {
        stdin: group.fanout.output(host.name),
        stdinLabel: `release stream (${formatBytes(group.bytes)} of content, ${group.codec})`,
        onStdout: collect(host),
      });
    } catch (error) {
      group.fanout.drop(host.name);
      throw group.fanout.stallOf(host.name) ?? group.fanout.error ?? error;
    }
    const sent = await group.fanout.done;
    host.progress('check against the manifest');
    // A dry run recorded the commands; there is nothing on the host to check.
    const manifest = serializeManifest(this.manifest);
    const finalize = commands.finalize(host.layout, this.id, Buffer.byteLength(manifest));
    if (dryRun) return void (await host.run(finalize, { stdin: manifest, stdinLabel: 'manifest' }));
    const report = parseReport(collected(host));
    if (report.stream !== sent) {
      throw new ShipError(
        `${host.name}: checksum mismatch: the release stream arrived as sha256 ${report.stream ?? '(none)'}, ship sent ${sent}`,
        { host: host.name },
      );
    }
    await this.checkAndRepair(host, this.trusted(report, plan), plan);
    host.progress('verified; put in place');
    await host.run(finalize, { stdin: manifest, stdinLabel: 'manifest' });
    if (this.everyoneDone()) await this.scan?.saveCache();
  }

  /** Make the partial release and copy what the host has; false when current is not what the plan assumed. */
  private async stage(host: UploadTarget, plan: Plan): Promise<boolean> {
    host.progress(
      plan.same.length + plan.moved.length > 0
        ? `upload: ${plan.send.filter((e) => e.type === 'file').length} changed files, ${plan.same.length + plan.moved.length} kept from ${plan.previous}`
        : 'upload',
    );
    const staged = await host.run(commands.stage(host.layout, this.id, plan.previous, plan.current), {
      stdin: nulList(plan.same),
      stdinLabel: `${plan.same.length} paths to copy from releases/${plan.previous || '-'}`,
      allowFailure: true,
    });
    if (staged.code === CURRENT_MOVED) return false;
    if (staged.code !== 0) throw new RemoteCommandError(host.name, 'prepare the new release', staged.code, staged.stderr);
    return true;
  }

  /**
   * Compare what landed with the manifest; clear and resend what differs (a previous release
   * changed on the host since its deploy, a broken extraction), once; refuse if it still differs.
   */
  private async checkAndRepair(host: UploadTarget, actual: Manifest, plan: Plan): Promise<void> {
    const differences = compareManifests(this.manifest, actual);
    if (differences.length === 0) return;
    host.progress(`${differences.length} path(s) differ from the manifest (${describe(differences[0]!)}); sending them again`);
    const differing = new Set(differences.map((d) => d.path));
    // Only the top-most differing paths: removing below a path that is now a symlink could
    // reach outside the release.
    const roots = [...differing].filter((path) => !ancestors(path).some((a) => differing.has(a)));
    await host.run(commands.clear(host.layout, this.id), { stdin: nulList(roots), stdinLabel: `${roots.length} paths to clear` });
    const items = this.manifest.entries.filter((e) => e.type !== 'file' || differing.has(e.path)).map((entry) => this.item(entry));
    await host.run(commands.receive(host.layout, this.id, 'none', plan.previous), {
      stdin: tarStream(items),
      stdinLabel: `${differences.length} paths again`,
      onStdout: collect(host),
    });
    const left = compareManifests(this.manifest, this.trusted(parseReport(collected(host)), plan));
    if (left.length > 0) {
      throw new ShipError(
        `${host.name}: the new release does not match its manifest after extraction: ${left.length} difference(s), first ${describe(left[0]!)}`,
        {
          host: host.name,
          hint: 'something on the host changes files as they are written (disk, tar, another process): check the host; nothing was switched',
        },
      );
    }
  }

  /**
   * What the host has, with the content of the files it proved unchanged (not read again) taken
   * from the manifest: only for files this plan kept at the same path, whose content the previous
   * release's manifest says is this one. A proof for any other path is ignored, so that file
   * shows as different and is sent again.
   */
  private trusted(report: Report, plan: Plan): Manifest {
    if (report.proven.size === 0) return report.actual;
    const kept = new Set(plan.same);
    const want = new Map(this.manifest.entries.map((e) => [e.path, e]));
    const entries = report.actual.entries.map((e) =>
      e.sha256 === undefined && report.proven.has(e.path) && kept.has(e.path) ? { ...e, sha256: want.get(e.path)?.sha256 } : e,
    );
    return { ...report.actual, entries };
  }

  private plan(facts: HostFacts): Plan {
    const manifest = this.manifest;
    // Copies come only from a release of ours with a manifest that passed parseManifest.
    const previous = facts.manifest && isReleaseId(facts.current) ? facts.current : '';
    const kept = previous ? facts.manifest : undefined;
    const before = new Map((kept?.entries ?? []).filter((e) => e.type === 'file').map((e) => [e.path, e]));
    const content = contentIndex(kept);
    const same: string[] = [];
    const moved: Array<[string, string]> = [];
    const send: ManifestEntry[] = [];
    for (const e of manifest.entries) {
      if (e.type !== 'file') {
        send.push(e);
        continue;
      }
      const old = before.get(e.path);
      if (e.sha256 && old?.sha256 === e.sha256 && old.mode === e.mode) same.push(e.path);
      else if (
        e.sha256 &&
        content.has(e.sha256) &&
        before.get(content.get(e.sha256)!)?.mode === e.mode &&
        canPair(content.get(e.sha256)!, e.path)
      )
        moved.push([content.get(e.sha256)!, e.path]);
      else send.push(e);
    }
    const key = kept ? createHash('sha256').update(serializeManifest(kept)).digest('hex') : 'cold';
    return { current: facts.current, previous, same, moved, send, key };
  }

  /**
   * The stream of this plan's group in this step: made once, by whoever of the group asks first.
   * A recipe may upload in two steps (web hosts, then workers); each step's hosts share streams
   * among themselves only (a stream is read once, for the receivers it was made for).
   */
  private groupFor(step: object, plan: Plan, arrived: readonly string[]): Promise<Group> {
    let streams = this.groups.get(step);
    if (!streams) this.groups.set(step, (streams = new Map()));
    let group = streams.get(plan.key);
    if (!group) {
      group = this.makeGroup(
        plan,
        arrived.filter((name) => this.plans.get(name)?.key === plan.key),
      );
      streams.set(plan.key, group);
    }
    return group;
  }

  private async makeGroup(plan: Plan, members: readonly string[]): Promise<Group> {
    const files = plan.send.filter((e) => e.type === 'file');
    const zstd = (await Promise.all(members.map((m) => this.facts.get(m)!))).every((f) => f.zstd);
    const codec = await chooseCodec({
      shrinks: await shrinks(files.map((e) => ({ source: this.source(e), size: e.size ?? 0 }))),
      hostsHaveZstd: zstd,
    });
    const bytes = files.reduce((n, e) => n + (e.size ?? 0), 0);
    const raw = tarStream(plan.send.map((entry) => this.item(entry)));
    const stream = codec === 'none' ? raw : raw.pipe(compressor(codec));
    if (codec !== 'none') raw.on('error', (error) => stream.destroy(error));
    const stallSeconds = Math.min(...members.map((m) => this.targets.get(m)?.stallTimeout ?? 0));
    return {
      codec,
      bytes,
      fanout: new Fanout(stream, members, (name, sent, last) => this.progressOf(name, sent, bytes, codec, last), { stallSeconds }),
    };
  }

  private readonly shown = new Map<string, number>();
  readonly targets = new Map<string, UploadTarget>();

  /** Hosts of a dry run: their stream is drained here (the hashes are made on the way), never sent. */
  private readonly planned = new Set<string>();

  private progressOf(name: string, sent: number, total: number, codec: Codec, last: boolean): void {
    if (this.planned.has(name)) {
      if (last) this.targets.get(name)?.progress(`would upload ${formatBytes(total)} of content (${codec}); a dry run sends nothing`);
      return;
    }
    const now = Date.now();
    if (!last && now - (this.shown.get(name) ?? 0) < 250) return;
    this.shown.set(name, now);
    this.targets
      .get(name)
      ?.progress(`upload ${formatBytes(sent)}${codec === 'none' ? ` / ${formatBytes(total)}` : ` (${codec}) of ${formatBytes(total)}`}`);
  }

  private item(entry: ManifestEntry): TarSource {
    return entry.type === 'file' ? { entry, source: this.source(entry) } : { entry };
  }

  private source(entry: ManifestEntry): string {
    const path = this.scan?.sources.get(entry.path);
    if (!path) throw new Error(`ReleaseUpload: no source for ${entry.path}`);
    return path;
  }

  private everyoneDone(): boolean {
    return this.manifest.entries.every((e) => e.type !== 'file' || e.sha256 !== undefined);
  }
}

async function readFacts(host: UploadTarget): Promise<HostFacts> {
  let text = '';
  await host.run(commands.facts(host.layout), { readOnly: true, onStdout: (t) => (text += t) });
  const [head = '', manifest] = splitOnce(text, '\nmanifest\n');
  const fields = new Map(head.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
  const parsed = manifest === undefined ? undefined : parseManifest(manifest);
  return { current: fields.get('current') ?? '', zstd: fields.get('zstd') === 'yes', ...(parsed ? { manifest: parsed } : {}) };
}

/** stageMoved looks an old path up in a newline-free list (grep -z -x -F): a newline would split it. */
function canPair(old: string, path: string): boolean {
  return !old.includes('\n') && !path.includes('\n');
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

function nulList(items: readonly string[]): string {
  return items.length === 0 ? '' : `${items.join('\0')}\0`;
}

/** `a/b/c` -> `a`, `a/b`. */
function ancestors(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

function describe(d: Difference): string {
  return `${d.path}: ${d.kind}${d.detail ? ` (${d.detail})` : ''}`;
}

// Reports can pass the transport's 1 MiB cap on kept output: collect them whole.
const buffers = new WeakMap<UploadTarget, string[]>();
function collect(host: UploadTarget): (text: string) => void {
  const parts: string[] = [];
  buffers.set(host, parts);
  return (text) => void parts.push(text);
}
function collected(host: UploadTarget): string {
  return (buffers.get(host) ?? []).join('');
}
