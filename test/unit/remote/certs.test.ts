import { describe, expect, it } from 'vitest';
import { certCommands } from '../../../src/remote/certs.js';
import { renderCommand } from '../../../src/remote/render.js';

const key = '/etc/ship/certs/a.example.com/privkey.pem';
const cert = '/etc/ship/certs/a.example.com/fullchain.pem';

describe('certificate commands', () => {
  it('reads the chain, telling a missing certificate or key by exit code', () => {
    expect(renderCommand(certCommands.read(cert, key, true))).toBe(
      `sudo -n -- sh -c '[ -e "$1" ] || exit 44; [ -e "$2" ] || exit 45; cat -- "$1"' sh ${cert} ${key}`,
    );
  });

  it('stages a file next to its final path with umask 077 before the mode is set', () => {
    expect(renderCommand(certCommands.stage(key, '0600', true, 227))).toBe(
      `sudo -n -- sh -c 'set -e; umask 022; mkdir -p -- "$(dirname -- "$1")"; umask 077; cat > "$1.ship-new"; ` +
        `[ "$(wc -c < "$1.ship-new")" -eq "$3" ] || { rm -f -- "$1.ship-new"; printf "ship: the input for %s ended early (the connection closed?); nothing was changed\\n" "$1.ship-new" >&2; exit 75; }; ` +
        `chmod "$2" -- "$1.ship-new"' sh ${key} 0600 227`,
    );
  });

  it('keeps the previous files as .prev and renames the new ones in', () => {
    expect(renderCommand(certCommands.swap([key, cert, `${cert}.ship.json`], false))).toBe(
      `sh -c 'set -e; for f; do if [ -e "$f" ]; then ln -f -- "$f" "$f.prev"; else rm -f -- "$f.prev"; fi; done; for f; do mv -f -- "$f.ship-new" "$f"; done' sh ${key} ${cert} ${cert}.ship.json`,
    );
  });

  it('reads the origin record, printing nothing when there is none', () => {
    expect(renderCommand(certCommands.readOrigin(`${cert}.ship.json`, true))).toBe(
      `sudo -n -- sh -c '[ -e "$1" ] || exit 0; cat -- "$1"' sh ${cert}.ship.json`,
    );
  });

  it('tests nginx and reloads a unit with sudo', () => {
    expect(renderCommand(certCommands.nginxTest(true))).toBe('sudo -n -- nginx -t');
    expect(renderCommand(certCommands.reload('nginx', true))).toBe('sudo -n -- systemctl reload nginx');
  });

  it('writes and removes HTTP-01 tokens under the webroot', () => {
    expect(renderCommand(certCommands.placeToken('/var/www/html', 'tok_EN-1', true))).toBe(
      `sudo -n -- sh -c 'set -e; umask 022; d="$1/.well-known/acme-challenge"; mkdir -p -- "$d"; cat > "$d/$2"' sh /var/www/html tok_EN-1`,
    );
    expect(renderCommand(certCommands.removeToken('/var/www/html', 'tok_EN-1', false))).toBe(
      `sh -c 'f="$1/.well-known/acme-challenge/$2"; [ -e "$f" ] || exit 0; rm -f -- "$f"' sh /var/www/html tok_EN-1`,
    );
  });

  it('passes every value as a positional parameter, never inside the script', () => {
    const hostile = "/etc/it's $(rm -rf /)\nx";
    for (const command of [
      certCommands.read(hostile, hostile, true), certCommands.stage(hostile, '0600', true, 1), certCommands.swap([hostile, hostile], true),
      certCommands.restore([hostile, hostile], true), certCommands.discard([hostile, hostile], true), certCommands.readOrigin(hostile, true),
      certCommands.placeToken(hostile, hostile, true), certCommands.removeToken(hostile, hostile, true),
    ]) {
      const [sh, flag, body, name, ...args] = command.argv;
      expect([sh, flag, name]).toEqual(['sh', '-c', 'sh']);
      expect(body).not.toContain(hostile);
      expect(args).toContain(hostile);
      expect(renderCommand(command)).toContain(`'/etc/it'\\''s $(rm -rf /)\nx'`);
    }
  });
});
