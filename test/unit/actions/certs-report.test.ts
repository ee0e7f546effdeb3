import { describe, expect, it } from 'vitest';
import { stageFailure } from '../../../src/actions/certs-report.js';
import { ConfigError, ExitCode, RemoteCommandError, ShipError } from '../../../src/errors.js';

/** What Output.error prints for it: the paragraph cron mails. */
const paragraph = (error: ShipError) => [`error: ${error.message}`, ...(error.hint ? [`  next: ${error.hint}`] : [])].join('\n');

describe('a failed stage, as one paragraph', () => {
  it('puts what failed first, the warnings met on the way under it, and one next step last', () => {
    const failure = new ShipError(
      'could not get a new certificate: the CA could not validate a.example.com over HTTP-01: 404; the certificate and key on the hosts are unchanged',
      {
        hint: 'check that http://a.example.com/.well-known/acme-challenge/ is served from /var/www/html on every host',
      },
    );
    const notes = [
      { host: 'web1', text: 'http://a.example.com/.well-known/acme-challenge/ on this host does not serve /var/www/html (got HTTP 404)' },
      { text: 'a note without a host' },
    ];
    expect(paragraph(stageFailure('prod', ['a.example.com'], [failure], notes))).toBe(
      [
        'error: prod: a.example.com: could not get a new certificate: the CA could not validate a.example.com over HTTP-01: 404; the certificate and key on the hosts are unchanged',
        '  web1: http://a.example.com/.well-known/acme-challenge/ on this host does not serve /var/www/html (got HTTP 404)',
        '  a note without a host',
        '  next: check that http://a.example.com/.well-known/acme-challenge/ is served from /var/www/html on every host, then run: ship certs renew prod',
      ].join('\n'),
    );
  });

  it("folds several hosts' failures into one paragraph with one command to run again", () => {
    const h1 = new ShipError('h1: `sudo -n -- nginx -t` failed\n  | nginx: [emerg] unknown directive', {
      host: 'h1',
      hint: 'fix the nginx configuration on h1 until `sudo nginx -t` passes',
    });
    const h2 = new RemoteCommandError('h2', 'sudo -n -- systemctl reload nginx', 1, 'Job failed');
    const error = stageFailure('prod', ['a.example.com', 'b.example.com'], [h1, h2], []);
    expect(paragraph(error)).toBe(
      [
        'error: prod: a.example.com, b.example.com: h1: `sudo -n -- nginx -t` failed',
        '  | nginx: [emerg] unknown directive',
        '  h2: command failed (exit 1): sudo -n -- systemctl reload nginx',
        '  | Job failed',
        '  next: fix the nginx configuration on h1 until `sudo nginx -t` passes, then run: ship certs renew prod',
      ].join('\n'),
    );
    expect(error.exitCode).toBe(ExitCode.failed);
  });

  it('keeps the exit code of its failures, and does not say "run again" twice', () => {
    const error = stageFailure(
      'prod',
      ['a.example.com'],
      [new ConfigError('certs.profile "x" is not offered', 'set certs.profile, then run: ship certs renew prod')],
      [],
    );
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.hint).toBe('set certs.profile, then run: ship certs renew prod');
  });

  it('asks for --verbose after a failure ship did not foresee', () => {
    expect(stageFailure('prod', ['a.example.com'], [new TypeError('x is undefined')], []).hint).toBe(
      'run again with --verbose for details: ship certs renew prod --verbose',
    );
  });
});
