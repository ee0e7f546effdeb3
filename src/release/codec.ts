/**
 * How the release stream is compressed, chosen so compression is never the bottleneck:
 * - `none` when the content would not shrink (measured on samples of it, never guessed from
 *   file names): random data, images, archives;
 * - `zstd` (level 1, all cores) when this machine and every receiving host have zstd;
 * - otherwise `gzip` at level 1, which every host can undo.
 */
import { open } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, type Transform } from 'node:stream';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { execa } from 'execa';

import type { Codec } from '../remote/stream-codec.js';

export type { Codec } from '../remote/stream-codec.js';

/** Below this compressed/original ratio on the samples, compressing is worth its time. */
const WORTH_IT = 0.9;
const SAMPLE = 64 * 1024;
const SAMPLES = 16;

/** Does the content shrink? Samples of up to SAMPLES pieces, spread over the biggest files. */
export async function shrinks(files: ReadonlyArray<{ source: string; size: number }>): Promise<boolean> {
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total < 64 * 1024) return true; // too small to matter either way
  const picks = [...files].sort((a, b) => b.size - a.size).slice(0, SAMPLES);
  const pieces: Buffer[] = [];
  for (const [i, file] of picks.entries()) {
    const handle = await open(file.source, 'r');
    try {
      // The middle of the file: headers of compressed formats can be text-like.
      const at = Math.max(0, Math.floor(file.size / 2) - SAMPLE / 2);
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(Math.min(SAMPLE, file.size)), 0, Math.min(SAMPLE, file.size), at);
      pieces.push(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
    if (i >= SAMPLES) break;
  }
  const sample = Buffer.concat(pieces);
  if (sample.length === 0) return true;
  return gzipSync(sample, { level: 1 }).length / sample.length < WORTH_IT;
}

let zstdHere: Promise<boolean> | undefined;

/** Whether this machine has the zstd command (asked once per run). */
export function hasLocalZstd(): Promise<boolean> {
  zstdHere ??= execa('zstd', ['--version'], { reject: false, stdin: 'ignore' }).then(
    (r) => r.exitCode === 0,
    () => false,
  );
  return zstdHere;
}

export async function chooseCodec(options: { shrinks: boolean; hostsHaveZstd: boolean }): Promise<Codec> {
  if (!options.shrinks) return 'none';
  return options.hostsHaveZstd && (await hasLocalZstd()) ? 'zstd' : 'gzip';
}

/** A transform that compresses with `codec`. */
export function compressor(codec: Codec): Transform | Duplex {
  if (codec === 'none') return new PassThrough({ highWaterMark: 1 << 20 });
  if (codec === 'gzip') return createGzip({ level: 1, chunkSize: 1 << 20, strategy: constants.Z_DEFAULT_STRATEGY });
  const child = spawn('zstd', ['-1', '-T0', '-q', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (error) => duplex.destroy(error));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) duplex.destroy(new Error(`zstd exited with ${code}`));
  });
  duplex.on('close', () => child.kill());
  return duplex;
}
