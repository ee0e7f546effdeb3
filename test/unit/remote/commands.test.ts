/**
 * Every builder of src/remote/*.ts, exactly (the cases: command-cases.ts): the line people see
 * (plans, errors, --verbose) and the argv the host runs. A script command's argv is
 * `sh -c BODY NAME ARGS...`, BODY being the file under src/remote/sh with its includes inlined
 * (scripts.test.ts checks the bodies).
 */
import { describe, expect, it } from 'vitest';
import { displayCommand, renderCommand, scriptBody } from '../../../src/remote/render.js';
import { scriptText } from '../../../src/remote/scripts.js';
import { BUILDERS, CASES } from './command-cases.js';

describe('every command builder, exactly', () => {
  it.each(Object.entries(CASES))('%s', (_name, c) => {
    expect(displayCommand(c.command)).toBe(c.shown);
    expect(c.command.script).toBe(c.script);
    expect(c.command.argv).toEqual(c.script === undefined ? c.argv : ['sh', '-c', scriptText(c.script), c.script, ...c.argv]);
    expect(scriptBody(c.command)).toBe(c.script === undefined ? undefined : scriptText(c.script));
    expect(c.command.sudo).toBe(c.sudo);
    // What runs is the whole body; what people see is one line.
    if (c.script !== undefined)
      expect(renderCommand(c.command)).toContain(`sh -c '${scriptText(c.script).replaceAll("'", `'\\''`)}' ${c.script}`);
    expect(c.shown).not.toContain('\n');
  });

  it('has a case for every builder of every command object', () => {
    const builders = Object.entries(BUILDERS).flatMap(([object, fns]) => Object.keys(fns).map((key) => `${object}.${key}`));
    expect(Object.keys(CASES).sort()).toEqual(builders.sort());
  });
});
