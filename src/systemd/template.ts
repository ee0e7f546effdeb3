/**
 * The placeholder language of recipes/templates/*: small on purpose, so a template reads like
 * the unit file it becomes.
 *
 * - `{{name}}` is replaced by a value; every value is escaped for systemd first (see `escape`).
 * - A line whose placeholders are all empty (missing socket, no group) is left out, so
 *   optional settings need no if/else syntax.
 * - A list value (the Environment= lines) repeats its line once per item.
 * - Lines starting with `##` are notes for whoever edits the template; they are not copied.
 */
import { ConfigError } from '../errors.js';

export type TemplateValue = string | number | undefined | readonly string[];
export type TemplateValues = Readonly<Record<string, TemplateValue>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/**
 * systemd expands `%` specifiers in nearly every setting (ExecStart, Environment,
 * WorkingDirectory, Description...), so a literal `%` from hosts.ts must be written `%%`.
 */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%');
}

/** Render `template` (named `source` in errors) with `values`. Throws on an unknown placeholder. */
export function renderTemplate(template: string, values: TemplateValues, source = 'template'): string {
  const out: string[] = [];
  const lines = template.split('\n');
  lines.forEach((line, index) => {
    if (line.startsWith('##')) return;
    const names = [...line.matchAll(PLACEHOLDER)].map((m) => m[1]!);
    if (names.length === 0) return void out.push(line);
    for (const name of names) {
      if (!Object.hasOwn(values, name)) {
        throw new ConfigError(
          `${source}:${index + 1}: unknown placeholder {{${name}}}`,
          `placeholders this template may use: ${Object.keys(values)
            .map((n) => `{{${n}}}`)
            .join(' ')}`,
        );
      }
    }
    const lists = [...new Set(names.filter((n) => Array.isArray(values[n])))];
    if (lists.length > 1)
      throw new ConfigError(`${source}:${index + 1}: more than one list placeholder on one line ({{${lists.join('}}, {{')}}})`);
    if (names.every((n) => isEmpty(values[n]))) return;
    const items = lists.length === 1 ? (values[lists[0]!] as readonly string[]) : [undefined];
    for (const item of items) {
      out.push(
        line.replace(PLACEHOLDER, (_, name: string) => {
          const value = Array.isArray(values[name]) ? item : values[name];
          return escapeSpecifiers(value === undefined ? '' : String(value));
        }),
      );
    }
  });
  // Dropped lines can leave runs of blank lines; a unit file reads better without them.
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function isEmpty(value: TemplateValue): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}
