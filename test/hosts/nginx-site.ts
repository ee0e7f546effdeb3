/**
 * nginx on the test hosts for the certificate tests. The base image's default site already
 * serves /var/www/html on port 80 (HTTP-01). This adds a TLS server on 443 that uses the paths
 * ship installs to, and tears it down again.
 *
 * The site is written but nginx is not reloaded: before the first issuance the files it names do
 * not exist, so `nginx -t` would fail. Nginx keeps running on its old configuration until
 * `ship certs renew` has put the files in place, passed `nginx -t` and reloaded it, which is
 * also how a user adds TLS to a new server.
 */

/** Runs a shell script on a host as the deploy user (which has passwordless sudo). */
export type HostRunner = (host: string, script: string) => Promise<string>;

const SITE = '/etc/nginx/sites-enabled/ship-certs-test';
const BROKEN = '/etc/nginx/conf.d/ship-certs-broken.conf';

export interface TlsSite {
  domains: string[];
  certPath: string;
  keyPath: string;
}

const sh = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export function tlsSiteConfig(site: TlsSite): string {
  return [
    'server {',
    '    listen 443 ssl default_server;',
    `    server_name ${site.domains.join(' ')};`,
    `    ssl_certificate ${site.certPath};`,
    `    ssl_certificate_key ${site.keyPath};`,
    '    root /var/www/html;',
    '}',
    '',
  ].join('\n');
}

export async function addTlsSite(run: HostRunner, host: string, site: TlsSite): Promise<void> {
  await run(host, `printf '%s' ${sh(tlsSiteConfig(site))} | sudo -n tee ${SITE} >/dev/null`);
}

/** A config error `nginx -t` will catch, so a reload must not happen. */
export async function breakNginx(run: HostRunner, host: string): Promise<void> {
  await run(host, `echo 'this_is_not_a_directive on;' | sudo -n tee ${BROKEN} >/dev/null`);
}

export async function repairNginx(run: HostRunner, host: string): Promise<void> {
  await run(host, `sudo -n rm -f ${BROKEN}`);
}

/** Back to the base image's nginx: no TLS site, no broken file, no certificates; reloaded. */
export async function restoreNginx(run: HostRunner, host: string, certDirs: string[]): Promise<void> {
  await run(
    host,
    [
      `sudo -n rm -f ${SITE} ${BROKEN}`,
      ...certDirs.map((d) => `sudo -n rm -rf ${sh(d)}`),
      'sudo -n rm -rf /var/www/html/.well-known',
      'sudo -n nginx -t -q && sudo -n systemctl reload nginx',
    ].join(' && '),
  );
}

/** Pids of the nginx workers: a reload replaces them all, so unchanged pids mean "not reloaded". */
export async function nginxWorkers(run: HostRunner, host: string): Promise<string> {
  // ps -C matches the program name, so the shell running this command is never counted.
  const lines = (await run(host, 'ps -C nginx -o pid=,args=')).split('\n');
  return lines
    .filter((l) => l.includes('worker process'))
    .map((l) => l.trim().split(/\s+/)[0])
    .sort()
    .join(' ');
}
