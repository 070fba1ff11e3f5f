/**
 * Every command of the built program (dist/main.js, or $ANYCASTD_BIN), run
 * once as a user runs it, with realistic input, its output and exit code
 * checked. The sources can pass while the bundle breaks (a dynamic import the
 * bundler rewrites), so this runs nothing in-process.
 *
 * `COVERED` names where each command is exercised; a command the built
 * program's help lists that is missing there fails the first test.
 */
import { eventually } from '../lab/eventually.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type RunResult } from '../lab/exec.js';
import type { LabProcess } from '../lab/netns.js';
import { notifySocket } from '../lab/notify-socket.js';
import { useNetnsLab } from '../lab/vitest.js';

// The built program, or with $ANYCASTD_BIN an installed one (the installed tier runs this file
// against the Debian package's /usr/bin/anycastd).
const bin = process.env.ANYCASTD_BIN ?? join(process.cwd(), 'dist/main.js');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Command path → the test that runs it on the built program. */
const COVERED: Record<string, string> = {
  check: 'this file: check',
  drain: 'this file: the daemon',
  undrain: 'this file: the daemon',
  reload: 'this file: the daemon',
  plan: 'this file: the daemon',
  status: 'this file: the daemon',
  run: 'this file: the daemon',
  validate: 'this file: validate',
  version: 'this file: version',
  import: 'this file: import',
  'import keepalived': 'this file: import',
  'import ipvsadm': 'this file: import',
  ipvs: 'this file: ipvs',
  'ipvs list': 'this file: ipvs; test/e2e/ipvs.test.ts',
  'ipvs save': 'this file: ipvs; test/e2e/ipvs.test.ts',
  'ipvs restore': 'this file: ipvs; test/e2e/ipvs.test.ts',
  realserver: 'test/integration/realserver/realserver.test.ts',
  'realserver up': 'test/integration/realserver/realserver.test.ts; test/installed/fleet.test.ts',
  'realserver down': 'test/integration/realserver/realserver.test.ts',
  'realserver check': 'test/integration/realserver/realserver.test.ts',
  'sidecar-guard': 'test/integration/bgp/external.test.ts; test/installed/systemd.test.ts',
  man: 'this file: man and completion; test/installed/install.test.ts',
  completion: 'this file: man and completion; test/installed/install.test.ts',
};

const cli = (args: readonly string[], input?: string) =>
  run(bin, args, { allowFailure: true, ...(input !== undefined && { input }) });

/** The subcommands a help text lists under "Commands:". */
function commandsIn(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);
}

const expectOk = (r: RunResult) => expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);

describe('the built program, command by command', () => {
  const lab = useNetnsLab();

  it('answers --help for every command, and every command is exercised somewhere', async () => {
    const seen: string[] = [];
    const walk = async (path: string[]) => {
      const r = await cli([...path, '--help']);
      expectOk(r);
      expect(r.stderr).toBe('');
      expect(r.stdout.startsWith(`anycastd${path.map((p) => ` ${p}`).join('')} — `)).toBe(true);
      expect(r.stdout).toContain('Usage: anycastd');
      for (const sub of commandsIn(r.stdout)) {
        seen.push([...path, sub].join(' '));
        await walk([...path, sub]);
      }
    };
    await walk([]);
    expect(seen.sort()).toEqual(Object.keys(COVERED).sort());
  });

  it('version', async () => {
    const r = await cli(['version']);
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`^anycastd ${manifest.version.replace(/\./g, '\\.')} `));
    expect((await cli(['--version'])).stdout).toBe(r.stdout);
  });

  it('man and completion', async () => {
    const man = await cli(['man', '--date', '2026-01-02']);
    expectOk(man);
    expect(man.stdout.split('\n')[0]).toBe(
      `.TH ANYCASTD 8 "2026-01-02" "anycastd ${manifest.version}" "System Administration"`,
    );
    expect(man.stdout).toContain('.SS anycastd ipvs restore\n');
    const bad = await cli(['man', '--date', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"yesterday" is not YYYY-MM-DD');
    const completion = await cli(['completion', 'bash']);
    expectOk(completion);
    expect(completion.stdout).toContain('complete -F _anycastd anycastd');
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.code).toBe(2);
    expect(zsh.stderr).toContain('shell "zsh" is not supported');
  });

  it('validate: the shipped example passes, a broken file exits 3 naming the path and line', async () => {
    expectOk(await cli(['validate', '--config', 'examples/anycastd.yaml']));
    const dir = mkdtempSync(join(tmpdir(), 'acd-cli-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      readFileSync('examples/anycastd.yaml', 'utf8').replace(
        'address: 10.1.0.12',
        'address: 10.1.0.300',
      ),
    );
    const r = await cli(['validate', '--config', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/services\[0\]\.reals\[1\]\.address \(line \d+\): .*10\.1\.0\.300/);
    const json = await cli(['validate', '--config', bad, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false });
  });

  it('import keepalived and import ipvsadm write configurations that validate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-cli-'));
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(
      conf,
      `virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 10.1.0.1 80 {
    TCP_CHECK { connect_timeout 3 }
  }
}
`,
    );
    const out = join(dir, 'from-keepalived.yaml');
    const k = await cli(['import', 'keepalived', conf, '-o', out, '--peer', '192.0.2.1,65000']);
    expectOk(k);
    expect(k.stderr).toContain('import: 1 services, 1 real servers written to');
    expectOk(await cli(['validate', '--config', out]));
    expect(readFileSync(out, 'utf8')).toMatch(/vip: 192\.0\.2\.10\n/);

    const i = await cli(
      ['import', 'ipvsadm', '-', '--name', 'lb1'],
      '-A -t 192.0.2.20:443 -s mh -b mh-port\n-a -t 192.0.2.20:443 -r 10.1.0.2:443 -g -w 70000\n' +
        '-a -t 192.0.2.20:443 -r 10.1.0.3:443 -g -w 1\n',
    );
    expectOk(i);
    expect(i.stdout).toContain('scheduler: mh');
    const fromRules = join(dir, 'from-ipvsadm.yaml');
    writeFileSync(fromRules, i.stdout);
    expectOk(await cli(['validate', '--config', fromRules]));
    expect(i.stdout).toContain('weight: 70000');
  });

  it('ipvs: restore, then list and save of a 1,400-line table by name and by number, as ipvsadm', async () => {
    const ns = await lab().namespace('ipvs');
    await ns.ip('link', 'set', 'lo', 'up');
    const rules: string[] = [];
    for (let s = 0; s < 350; s++) {
      const vip = `192.0.${2 + (s >> 8)}.${s & 255}`;
      rules.push(`-A -t ${vip}:80 -s rr`);
      for (let d = 1; d <= 3; d++)
        rules.push(`-a -t ${vip}:80 -r 10.${d}.${s >> 8}.${s & 255}:80 -g`);
    }
    const restored = await ns.run(bin, ['ipvs', 'restore'], {
      input: `${rules.join('\n')}\n`,
      allowFailure: true,
    });
    expectOk(restored);
    expect(restored.stderr).toMatch(/^restore: 1400 of 1400 operations applied in /);
    const ipvsadm = (...args: string[]) => ns.run('ipvsadm', args).then((r) => r.stdout);
    for (const args of [['list'], ['list', '-n'], ['list', '--stats'], ['save'], ['save', '-n']]) {
      const r = await ns.run(bin, ['ipvs', ...args], { allowFailure: true });
      expectOk(r);
      // Nothing on stderr: no lookup left pending after the output was written.
      expect(r.stderr, `ipvs ${args.join(' ')}`).toBe('');
      const peer = args[0] === 'list' ? ['-L', ...args.slice(1)] : ['-S', ...args.slice(1)];
      if (args.includes('--stats')) expect(r.stdout.split('\n').length).toBeGreaterThan(1400);
      else expect(r.stdout, `ipvs ${args.join(' ')}`).toBe(await ipvsadm(...peer));
    }
    // The same table as JSON, for scripts: every service and real server, as the kernel has them.
    const listed = await ns.run(bin, ['ipvs', 'list', '--json'], { allowFailure: true });
    expectOk(listed);
    const doc = JSON.parse(listed.stdout) as {
      services: {
        address: string;
        port: number;
        scheduler: string;
        reals: { address: string; forwarding: string; weight: number }[];
      }[];
    };
    expect(doc.services).toHaveLength(350);
    expect(doc.services.flatMap((x) => x.reals)).toHaveLength(1050);
    expect(doc.services.find((x) => x.address === '192.0.2.0')).toMatchObject({
      port: 80,
      scheduler: 'rr',
      reals: [
        { address: '10.1.0.0', forwarding: 'dr', weight: 1 },
        { address: '10.2.0.0', forwarding: 'dr', weight: 1 },
        { address: '10.3.0.0', forwarding: 'dr', weight: 1 },
      ],
    });
  });

  it('check: a listening and a closed port', async () => {
    const ns = await lab().namespace('check');
    await ns.ip('link', 'set', 'lo', 'up');
    const server = ns.spawn('node', [
      '-e',
      "require('net').createServer((s) => s.on('error', () => {}).end()).listen(8080, '127.0.0.1', () => console.log('ready'))",
    ]);
    await server.waitFor('ready');
    const pass = await ns.run(bin, ['check', 'tcp', '127.0.0.1:8080'], { allowFailure: true });
    expectOk(pass);
    expect(pass.stdout).toMatch(/^pass {2}/);
    const fail = await ns.run(bin, ['check', 'tcp', '127.0.0.1:8081', '--json'], {
      allowFailure: true,
    });
    expect(fail.code).toBe(1);
    expect(JSON.parse(fail.stdout)).toMatchObject({ ok: false });
    const invalid = await ns.run(bin, ['check', 'http', '127.0.0.1:8080', 'status=abc'], {
      allowFailure: true,
    });
    expect(invalid.code).toBe(3);
  });

  it('the daemon: run, status, drain/undrain, plan and reload, with and without the token', async () => {
    const director = await lab().namespace('dir');
    const real = await lab().namespace('real');
    await director.ip('link', 'set', 'lo', 'up');
    await lab().link(director, real, { addressA: '10.3.0.1/24', addressB: '10.3.0.2/24' });
    const server = real.spawn('node', [
      '-e',
      "require('net').createServer((s) => s.on('error', () => {}).end()).listen(8080, '10.3.0.2', () => console.log('ready'))",
    ]);
    await server.waitFor('ready');

    const dir = mkdtempSync(join(tmpdir(), 'acd-cli-daemon-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 's3cret-token\n', { mode: 0o600 });
    const api = `unix://${dir}/api.sock`;
    const config = (reals: string[]) => `
director: {name: cli-lab, router_id: 10.3.0.1}
api: {listen: "${api}", token_file: ${tokenFile}}
state_file: ${dir}/state.json
resync_interval: 2s
bgp:
  asn: 65001
  listen_port: -1
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}
  peers: [{address: 10.3.0.254, asn: 65000, passive: true, families: [ipv4]}]
defaults:
  check: {type: tcp, port: 8080, interval: 300ms, timeout: 200ms, rise: 1, fall: 1}
services:
  - name: web
    vip: 198.51.100.10
    ports: [{port: 80}]
    reals: [${reals.map((a) => `{address: ${a}}`).join(', ')}]
`;
    const file = join(dir, 'anycastd.yaml');
    writeFileSync(file, config(['10.3.0.2']));
    // As under systemd's Type=notify: the daemon says when it is ready, reloading, stopping.
    const notifyPath = join(dir, 'notify');
    const notify = notifySocket(notifyPath);
    const daemon: LabProcess = director.spawn(bin, ['run', '--config', file], {
      env: { ...process.env, NOTIFY_SOCKET: notifyPath },
    });
    const inDir = (args: string[]) =>
      director.run(bin, [...args, '--api', api], { allowFailure: true });
    const withToken = (args: string[]) => inDir([...args, '--token-file', tokenFile]);
    const weights = async () => (await director.run('ipvsadm', ['-S', '-n'])).stdout;
    const until = (what: string, ok: () => Promise<boolean>) =>
      eventually(what, ok, {
        timeoutMs: 60_000,
        explain: async () => `${await weights()}\n${daemon.output()}`,
        stop: () =>
          daemon.child.exitCode !== null ? `anycastd exited:\n${daemon.output()}` : undefined,
      });

    await until('the real server at weight 1', async () =>
      (await weights()).includes('-r 10.3.0.2:80 -g -w 1'),
    );
    const told: string[] = [];
    await until('READY=1 on the notify socket', () => {
      told.push(...notify.drain());
      return Promise.resolve(told.length > 0);
    });
    expect(told).toEqual(['READY=1\nSTATUS=running: 1 services']);
    const status = await inDir(['status']);
    expectOk(status);
    expect(status.stdout).toMatch(/^director cli-lab: running/);
    expect(status.stdout).toMatch(/^web +10\.3\.0\.2 +up /m);
    const json = await inDir(['status', '--json']);
    expectOk(json);
    expect(JSON.parse(json.stdout)).toMatchObject({ director: 'cli-lab' });
    const one = await inDir(['status', 'web', '--json']);
    expectOk(one);
    expect((JSON.parse(one.stdout) as { reals: { service: string }[] }).reals).toEqual([
      expect.objectContaining({ service: 'web', address: '10.3.0.2', state: 'up' }),
    ]);
    const none = await inDir(['status', 'no-such-service']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('anycastd status: no VIP or service no-such-service');

    const refused = await inDir(['drain', '10.3.0.2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a valid bearer token is required for changes');
    expectOk(await withToken(['drain', '10.3.0.2']));
    await until('the drained real server at weight 0', async () =>
      (await weights()).includes('-r 10.3.0.2:80 -g -w 0'),
    );
    expectOk(await withToken(['undrain', '10.3.0.2']));
    await until('the undrained real server at weight 1', async () =>
      (await weights()).includes('-r 10.3.0.2:80 -g -w 1'),
    );

    const next = join(dir, 'next.yaml');
    writeFileSync(next, config(['10.3.0.2', '10.3.0.3']));
    const planRefused = await inDir(['plan', '--config', next]);
    expect(planRefused.code).toBe(1);
    expect(planRefused.stderr).toContain('a valid bearer token is required for changes');
    const plan = await withToken(['plan', '--config', next]);
    expectOk(plan);
    expect(plan.stdout).toMatch(/^ipvs +tcp 198\.51\.100\.10:80 -> 10\.3\.0\.3:80: missing/m);
    const planJson = await withToken(['plan', '--config', next, '--json']);
    expectOk(planJson);
    const planned = JSON.parse(planJson.stdout) as {
      ok: boolean;
      ipvs: string[];
      routes: string[];
    };
    expect(planned.ok).toBe(true);
    expect(planned.ipvs).toEqual([
      expect.stringMatching(/^tcp 198\.51\.100\.10:80 -> 10\.3\.0\.3:80: missing/),
    ]);
    expect(await weights()).not.toContain('10.3.0.3');

    writeFileSync(file, config(['10.3.0.2', '10.3.0.3']).replace('10.3.0.3}', '10.3.0.300}'));
    const badReload = await withToken(['reload']);
    expect(badReload.code).toBe(3);
    expect(badReload.stderr).toContain('10.3.0.300');
    writeFileSync(file, config(['10.3.0.2', '10.3.0.3']));
    expect((await inDir(['reload'])).code).toBe(1);
    expectOk(await withToken(['reload']));
    await until('the added real server in the kernel', async () =>
      (await weights()).includes('-r 10.3.0.3:80 -g -w 0'),
    );

    daemon.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    // The refused reload and the one taken (the one without a token never reached it),
    // each RELOADING then READY with the status line; then the stop.
    expect(notify.drain()).toEqual([
      'RELOADING=1',
      'READY=1\nSTATUS=running: 1 services; the last reload was refused (1 problem)',
      'RELOADING=1',
      'READY=1\nSTATUS=running: 1 services',
      'STOPPING=1',
    ]);
    notify.close();
    // stderr is no terminal here: JSON lines, the level by name, as journald takes them.
    const first = JSON.parse(daemon.output().split('\n')[0] ?? '') as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', director: 'cli-lab' });

    // The same daemon start as text, asked for by the option.
    const text = director.spawn(bin, ['--log-format', 'text', 'run', '--config', file]);
    const end = Date.now() + 60_000;
    while (!/ INFO {2}daemon table_programmed: /.test(text.output()) && Date.now() < end)
      await sleep(100);
    text.kill('SIGTERM');
    expect(await text.exited).toBe(0);
    expect(text.output()).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}daemon table_programmed: IPVS table read and programmed/m,
    );
  });
});
