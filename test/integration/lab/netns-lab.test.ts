import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../lab/exec.js';
import { NetnsLab, sweepStale } from '../../lab/netns.js';
import { useNetnsLab } from '../../lab/vitest.js';

const nsExists = (name: string) => existsSync(`/run/netns/${name}`);

describe('namespace lab', () => {
  const lab = useNetnsLab();

  it('links two namespaces with veth and carries TCP between them', async () => {
    const a = await lab().namespace('a');
    const b = await lab().namespace('b');
    await lab().link(a, b, { addressA: '10.99.0.1/24', addressB: '10.99.0.2/24' });
    const server = a.spawn('node', [
      '-e',
      `require('net').createServer((s) => s.end('hello from a\\n')).listen(7001, '10.99.0.1', () => console.log('listening'))`,
    ]);
    await server.waitFor('listening');
    const reply = await b.run('node', [
      '-e',
      `require('net').connect(7001, '10.99.0.1').on('data', (d) => process.stdout.write(d))`,
    ]);
    expect(reply.stdout).toBe('hello from a\n');
  });

  it('keeps addresses inside their namespace', async () => {
    const a = await lab().namespace('a');
    const b = await lab().namespace('b');
    await a.addAddress('lo', '192.0.2.77/32');
    await a.addAddress('lo', '2001:db8::77/128');
    expect((await a.ip('addr', 'show', 'dev', 'lo')).stdout).toContain('192.0.2.77/32');
    expect((await a.ip('-6', 'addr', 'show', 'dev', 'lo')).stdout).toContain('2001:db8::77/128');
    expect((await b.ip('addr', 'show', 'dev', 'lo')).stdout).not.toContain('192.0.2.77');
    expect((await run('ip', ['addr', 'show'])).stdout).not.toContain('192.0.2.77');
  });

  it('sets sysctls per namespace', async () => {
    const a = await lab().namespace('a');
    const b = await lab().namespace('b');
    await a.sysctl('net.ipv4.ip_forward', '1');
    expect((await a.run('sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
    expect((await b.run('sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('0');
  });

  it('rejects names that would not make valid namespace names', async () => {
    await expect(lab().namespace('Bad Name')).rejects.toThrow(/namespace name "Bad Name"/);
  });

  it('reports the command and its error when a step fails', async () => {
    const a = await lab().namespace('a');
    await expect(a.addAddress('nosuchdev', '10.0.0.1/24')).rejects.toThrow(
      /ip -n acdlab-\d+-[0-9a-f]+-a addr add 10\.0\.0\.1\/24 dev nosuchdev exited with 1: .*nosuchdev/s,
    );
  });
});

describe('namespace lab cleanup', () => {
  it('kills its processes and deletes its namespaces', async () => {
    const lab = await NetnsLab.create();
    const a = await lab.namespace('a');
    const sleeper = a.spawn('sleep', ['600']);
    await new Promise((r) => setTimeout(r, 100));
    expect(nsExists(a.name)).toBe(true);
    await lab.cleanup();
    expect(await sleeper.exited).toBeGreaterThan(0);
    expect(nsExists(a.name)).toBe(false);
  });

  it('gives concurrent labs distinct names', async () => {
    const labs = await Promise.all([NetnsLab.create(), NetnsLab.create(), NetnsLab.create()]);
    try {
      const spaces = await Promise.all(labs.map((l) => l.namespace('same')));
      expect(new Set(spaces.map((s) => s.name)).size).toBe(3);
    } finally {
      await Promise.all(labs.map((l) => l.cleanup()));
    }
  });

  it('sweeps namespaces left by a process that no longer exists', async () => {
    // A pid that is certainly dead: a child that has already exited.
    const dead = spawn('true');
    await new Promise((r) => dead.on('close', r));
    const name = `acdlab-${dead.pid}-dead00-x`;
    await run('ip', ['netns', 'add', name]);
    expect(nsExists(name)).toBe(true);
    const swept = await sweepStale();
    expect(swept).toContain(name);
    expect(nsExists(name)).toBe(false);
  });

  describe('when the owning process is interrupted', () => {
    let built: string;
    beforeAll(() => {
      // The child runs the lab's real code, compiled to plain JS.
      built = mkdtempSync(join(tmpdir(), 'acdlab-js-'));
      execFileSync('node_modules/.bin/tsc', [
        '--outDir',
        built,
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--skipLibCheck',
        'test/lab/netns.ts',
      ]);
    }, 60_000);
    afterAll(() => rmSync(built, { recursive: true, force: true }));

    it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)(
      'leaves nothing behind after %s',
      async (signal) => {
        const script = `
        import { NetnsLab } from ${JSON.stringify(join(built, 'netns.js'))};
        const lab = await NetnsLab.create();
        const ns = await lab.namespace('held');
        ns.spawn('sleep', ['600']);
        console.log(ns.name);
        setInterval(() => {}, 1000);
      `;
        const child = spawn('node', ['--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const name = await new Promise<string>((resolve, reject) => {
          child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
          child.once('close', (code) => reject(new Error(`child exited early with ${code}`)));
        });
        expect(nsExists(name)).toBe(true);
        child.kill(signal);
        await new Promise((r) => child.once('close', r));
        if (signal === 'SIGKILL') {
          // Nothing can run in a SIGKILLed process: the next lab sweeps it.
          expect(nsExists(name)).toBe(true);
          await NetnsLab.create().then((l) => l.cleanup());
        }
        expect(nsExists(name)).toBe(false);
      },
    );
  });
});
