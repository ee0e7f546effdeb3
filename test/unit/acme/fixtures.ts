/** The certificates made by fixtures/make.sh (test-only keys, valid until 2126). */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string): string => readFileSync(join(dir, name), 'utf8');
export const cert = (name: string): X509Certificate => new X509Certificate(fixture(name));
