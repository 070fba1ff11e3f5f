import { describe, expect, it } from 'vitest';
import {
  lookUpHosts,
  parseHostsFile,
  parseNsswitchHosts,
} from '../../../src/ipvs/ipvsadm/names.js';

describe('host name sources', () => {
  it("reads nsswitch.conf's hosts line in order, keeping files and dns only", () => {
    expect(
      parseNsswitchHosts('passwd: files\nhosts:   dns [NOTFOUND=return] files mdns4\n'),
    ).toEqual(['dns', 'files']);
    expect(parseNsswitchHosts('hosts: files myhostname\n')).toEqual(['files']);
    expect(parseNsswitchHosts('# hosts: dns\npasswd: files\n')).toEqual(['files', 'dns']);
    expect(parseNsswitchHosts(undefined)).toEqual(['files', 'dns']);
  });

  it('takes the first name of the first hosts line holding an address', () => {
    const hosts = parseHostsFile(
      '127.0.0.1 localhost\n# 10.0.0.1 commented\n10.0.0.1 web1 web1.example\n' +
        '10.0.0.1 other\n2001:0db8::0001 v6host\nnot-an-address x\n',
    );
    expect(hosts.get('ipv4|10.0.0.1')).toBe('web1');
    expect(hosts.get('ipv6|2001:db8::1')).toBe('v6host');
    expect(hosts.size).toBe(3);
  });
});

describe('lookUpHosts', () => {
  const file = new Map([['ipv4|10.0.0.1', 'from-file']]);

  it('asks dns only for what files did not name, and skips numeric answers', async () => {
    const asked: string[] = [];
    const ptr = async (a: string) => {
      asked.push(a);
      return a === '10.0.0.2' ? 'from-dns' : a;
    };
    const found = await lookUpHosts(
      ['ipv4|10.0.0.1', 'ipv4|10.0.0.2', 'ipv4|10.0.0.3'],
      ['files', 'dns'],
      file,
      1000,
      ptr,
    );
    expect(Object.fromEntries(found)).toEqual({
      'ipv4|10.0.0.1': 'from-file',
      'ipv4|10.0.0.2': 'from-dns',
    });
    expect(asked).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('follows the order: dns first when nsswitch says so', async () => {
    const found = await lookUpHosts(['ipv4|10.0.0.1'], ['dns', 'files'], file, 1000, async () =>
      Promise.resolve('dns-name'),
    );
    expect(found.get('ipv4|10.0.0.1')).toBe('dns-name');
  });

  it('returns at the deadline with what it has; the rest prints numerically', async () => {
    const started = Date.now();
    const found = await lookUpHosts(['ipv4|10.0.0.5', 'ipv4|10.0.0.6'], ['dns'], file, 50, (a) =>
      a === '10.0.0.5' ? Promise.resolve('quick') : new Promise<undefined>(() => {}),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Object.fromEntries(found)).toEqual({ 'ipv4|10.0.0.5': 'quick' });
  });
});
