import { describe, expect, it } from 'vitest';
import { certCommands } from '../../../src/remote/certs.js';
import { displayCommand, renderCommand } from '../../../src/remote/render.js';
import { scriptText } from '../../../src/remote/scripts.js';

const key = '/etc/ship/certs/a.example.com/privkey.pem';
const cert = '/etc/ship/certs/a.example.com/fullchain.pem';

describe('certificate commands', () => {
  it('reads the chain, telling a missing certificate or key by exit code', () => {
    expect(displayCommand(certCommands.read(cert, key))).toBe(`sudo -n -- read-cert.sh ${cert} ${key}`);
    expect(scriptText('read-cert.sh')).toContain('[ -e "$1" ] || exit 44; [ -e "$2" ] || exit 45; cat -- "$1"');
  });

  it('stages a file next to its final path with umask 077 before the mode is set', () => {
    expect(displayCommand(certCommands.stage(key, '0600', 227))).toBe(`sudo -n -- stage-cert-file.sh ${key} 0600 227`);
    expect(scriptText('stage-cert-file.sh')).toContain(
      'umask 077; cat > "$1.ship-new"\nreceived_whole "$1.ship-new" "$3"\nchmod "$2" -- "$1.ship-new"',
    );
  });

  it('keeps the previous files as .prev and renames the new ones in', () => {
    expect(displayCommand(certCommands.swap([key, cert, `${cert}.ship.json`]))).toBe(
      `sudo -n -- swap-cert-files.sh ${key} ${cert} ${cert}.ship.json`,
    );
    expect(scriptText('swap-cert-files.sh')).toContain(
      'set -e\nfor f; do if [ -e "$f" ]; then ln -f -- "$f" "$f.prev"; else rm -f -- "$f.prev"; fi; done\nfor f; do mv -f -- "$f.ship-new" "$f"; done',
    );
  });

  it('reads the origin record, printing nothing when there is none', () => {
    expect(displayCommand(certCommands.readOrigin(`${cert}.ship.json`))).toBe(`sudo -n -- read-if-present.sh ${cert}.ship.json`);
    expect(scriptText('read-if-present.sh')).toContain('[ -e "$1" ] || exit 0; cat -- "$1"');
  });

  it('tests nginx and reloads a unit with sudo', () => {
    expect(renderCommand(certCommands.nginxTest())).toBe('sudo -n -- nginx -t');
    expect(renderCommand(certCommands.reload('nginx'))).toBe('sudo -n -- systemctl reload nginx');
  });

  it('writes and removes HTTP-01 tokens under the webroot', () => {
    expect(displayCommand(certCommands.placeToken('/var/www/html', 'tok_EN-1'))).toBe('sudo -n -- place-token.sh /var/www/html tok_EN-1');
    expect(scriptText('place-token.sh')).toContain('set -e; umask 022; d="$1/.well-known/acme-challenge"; mkdir -p -- "$d"; cat > "$d/$2"');
    expect(displayCommand(certCommands.removeToken('/var/www/html', 'tok_EN-1'))).toBe('sudo -n -- remove-token.sh /var/www/html tok_EN-1');
    expect(scriptText('remove-token.sh')).toContain('f="$1/.well-known/acme-challenge/$2"; [ -e "$f" ] || exit 0; rm -f -- "$f"');
  });

  it('passes every value as a positional parameter, never inside the script', () => {
    const hostile = "/etc/it's $(rm -rf /)\nx";
    for (const command of [
      certCommands.read(hostile, hostile),
      certCommands.stage(hostile, '0600', 1),
      certCommands.swap([hostile, hostile]),
      certCommands.restore([hostile, hostile]),
      certCommands.discard([hostile, hostile]),
      certCommands.readOrigin(hostile),
      certCommands.placeToken(hostile, hostile),
      certCommands.removeToken(hostile, hostile),
    ]) {
      const [sh, flag, body, name, ...args] = command.argv;
      expect([sh, flag, name]).toEqual(['sh', '-c', command.script]);
      expect(body).not.toContain(hostile);
      expect(args).toContain(hostile);
      expect(renderCommand(command)).toContain(`'/etc/it'\\''s $(rm -rf /)\nx'`);
    }
  });
});
