import { isAbsolute, relative } from 'node:path';

/** A path as a person in this directory would type it: relative when below the cwd. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}
