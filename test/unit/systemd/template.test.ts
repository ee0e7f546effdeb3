import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { renderTemplate } from '../../../src/systemd/template.js';

describe('renderTemplate', () => {
  it('replaces placeholders, drops ## notes, and lines whose placeholders are all empty', () => {
    const template = '## a note\n[Unit]\nDescription={{ app }} on {{port}}\nRequires={{socket}}\nGroup={{group}}\n';
    expect(renderTemplate(template, { app: 'hello', port: 80, socket: '', group: undefined })).toBe('[Unit]\nDescription=hello on 80\n');
  });

  it('repeats a line once per item of a list value, and drops it for an empty list', () => {
    expect(renderTemplate('Environment={{env}}\nX={{none}}\n', { env: ['"A=1"', '"B=2"'], none: [] })).toBe(
      'Environment="A=1"\nEnvironment="B=2"\n',
    );
  });

  it('escapes % in every value, so systemd does not expand specifiers from hosts.ts', () => {
    expect(renderTemplate('A={{a}}\nB={{b}}\n', { a: '100%', b: ['%n'] })).toBe('A=100%%\nB=%%n\n');
  });

  it('keeps a literal % written in the template itself', () => {
    expect(renderTemplate('Description=%n for {{app}}\n', { app: 'x' })).toBe('Description=%n for x\n');
  });

  it('names the file and line of an unknown placeholder, and lists the known ones', () => {
    const error = (() => {
      try {
        renderTemplate('[Unit]\nDescription={{apd}}\n', { app: 'x', unit: 'y' }, 'recipes/templates/app.service');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('recipes/templates/app.service:2: unknown placeholder {{apd}}');
    expect(error.hint).toBe('placeholders this template may use: {{app}} {{unit}}');
  });

  it('refuses two list placeholders on one line', () => {
    expect(() => renderTemplate('X={{a}} {{b}}\n', { a: ['1'], b: ['2'] })).toThrow(/more than one list placeholder/);
  });

  it('collapses the blank lines that dropped lines leave behind', () => {
    expect(renderTemplate('A=1\n\nB={{b}}\n\nC=1\n', { b: '' })).toBe('A=1\n\nC=1\n');
  });
});
