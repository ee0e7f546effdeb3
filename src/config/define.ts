import type { HostsInput } from './types.js';

/**
 * Declare the hosts and stages of an app. Does nothing at run time (ship validates the file
 * when it loads it); it exists so editors complete and check every field.
 *
 * @example
 * export default defineHosts({
 *   app: 'hello',
 *   stages: { prod: { hosts: ['deploy@web1.example.com'], path: '/srv/hello' } },
 * });
 */
export function defineHosts(config: HostsInput): HostsInput {
  return config;
}
