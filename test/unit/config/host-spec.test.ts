import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { hostSpecProblem, parseHostSpec, splitHostSpec } from '../../../src/config/host-spec.js';
import { parseHostSpec as parseSshTarget } from '../../../src/transport/ssh-config.js';

describe('parseHostSpec', () => {
  it.each([
    ['web2', { host: 'web2' }],
    ['deploy@web1.example.com', { user: 'deploy', host: 'web1.example.com' }],
    ['web1.example.com:2222', { host: 'web1.example.com', port: 2222 }],
    ['deploy@10.0.0.5:22', { user: 'deploy', host: '10.0.0.5', port: 22 }],
    ['[::1]:22', { host: '::1', port: 22 }],
    ['[2001:db8::1]', { host: '2001:db8::1' }],
    ['root@[2001:db8::1]:2200', { user: 'root', host: '2001:db8::1', port: 2200 }],
    ['fe80::1', { host: 'fe80::1' }],
    ['deploy_user@my-host_1', { user: 'deploy_user', host: 'my-host_1' }],
  ])('%s', (spec, expected) => {
    expect(parseHostSpec(spec)).toEqual(expected);
    expect(hostSpecProblem(spec)).toBeUndefined();
  });

  it.each([
    ['; rm -rf /', /contains ";"/],
    ['web1; rm -rf /', /contains ";"/],
    ['web1;id', /contains ";", which no host name has/],
    ['$(id)', /contains "\$"/],
    ['`id`', /contains "`"/],
    ['-oProxyCommand=x', /starts with "-", which ssh would read as an option/],
    ['deploy@-oProxyCommand=x', /contains "="/],
    ['web1[0]', /is not a valid host name/],
    ['web1,web2', /contains ","/],
    ['web1\nid', /contains a newline/],
    ['web1\tid', /contains a tab/],
    ['web1\0', /contains a NUL byte/],
    ['web1\x1b[31m', /contains U\+001B/],
    ['web1\u00a0', /contains U\+00A0/],
    ['web 1', /contains a space/],
    ['', /empty/],
    ['@web1', /nothing before "@"/],
    ['deploy@', /no host name/],
    ['web1:0', /port "0" is not a number from 1 to 65535/],
    ['web1:65536', /port "65536"/],
    ['web1:ssh', /port "ssh"/],
    ['web1:', /port ""/],
    ['[not-v6]:22', /"\[not-v6\]" is not an IPv6 address/],
    ['[::1]:x', /port "x"/],
    ['2001:db8::zz:22', /write it in brackets/],
    ['web1|nc', /contains "\|"/],
    ["o'brien", /contains "'"/],
    ['web1>out', /contains ">"/],
    ['.hidden', /is not a valid host name/],
  ])('rejects %j', (spec, problem) => {
    expect(hostSpecProblem(spec)).toMatch(problem);
    expect(() => parseHostSpec(spec)).toThrow(ConfigError);
  });

  it('splits a@b@web1 at the last "@", as OpenSSH does (`ssh a@b@web1` logs in as "a@b"), everywhere a host is read', () => {
    expect(parseHostSpec('a@b@web1')).toEqual({ user: 'a@b', host: 'web1' });
    expect(splitHostSpec('a@b@web1:2222')).toEqual({ spec: { user: 'a@b', host: 'web1', port: 2222 } });
    expect(parseSshTarget('a@b@web1')).toEqual({ user: 'a@b', host: 'web1' });
    expect(hostSpecProblem('a@@web1')).toBeUndefined();
    expect(hostSpecProblem('@b@web1')).toMatch(/"@b" is not a valid user name/);
  });

  it('names the spec and the accepted forms in the error', () => {
    expect(() => parseHostSpec('$(id)')).toThrow(
      'invalid host "$(id)": contains "$", which no host name has; expected user@host[:port], [ipv6]:port or an ssh config alias',
    );
  });
});
