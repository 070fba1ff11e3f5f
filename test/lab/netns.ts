/**
 * The namespace lab: throw-away network namespaces, veth links and processes
 * for tests that need real networking. Every name carries the creating
 * process's pid and a random tag, so parallel test files and parallel runs
 * never collide, and a later run can tell a dead run's leftovers from a live
 * run's namespaces and remove them.
 *
 * Cleanup happens three ways: `cleanup()` (called after each test by
 * `useNetnsLab` in ./vitest.ts), synchronously on process exit or SIGINT/SIGTERM, and, for a
 * process killed with SIGKILL, by the stale sweep that runs when the next lab
 * is created.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { type RunOptions, type RunResult, run } from './exec.js';

const PREFIX = 'acdlab';
/** `acdlab-<pid>-<tag>-<name>`: the pid tells whether the owner still lives. */
const NAME_RE = /^acdlab-(\d+)-([0-9a-z]+)-/;
const NETNS_DIR = '/run/netns';

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Give the program a stdin pipe (`child.stdin`) instead of /dev/null. */
  stdin?: boolean;
  /** Pipes on fds 3, 4, … (`child.stdio[3]`, …), for programs that talk over them. */
  extraPipes?: number;
}

/** A process started inside a namespace; killed at cleanup if still running. */
export interface LabProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Its last `n` lines of output, to quote when a step goes wrong. */
  lastLines(n: number): string[];
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number>;
  /** Resolves when `pattern` appears in its output; rejects if it exits first or times out. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export interface Netns {
  readonly name: string;
  /** Runs a program inside the namespace (`ip netns exec`). */
  run(command: string, args?: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** `ip -n <ns> ...`, without entering the namespace. */
  ip(...args: string[]): Promise<RunResult>;
  /** Starts a long-running program inside the namespace. */
  spawn(command: string, args?: readonly string[], options?: SpawnOptions): LabProcess;
  /** Adds an address (`10.0.0.1/24`, `2001:db8::1/64`) to an interface, `lo` included. */
  addAddress(ifname: string, cidr: string): Promise<void>;
  /** Sets a sysctl inside the namespace, e.g. `net.ipv4.ip_forward`, `1`. */
  sysctl(key: string, value: string): Promise<void>;
}

export interface LinkOptions {
  /** Address with prefix length for the end in `a`, e.g. `10.1.0.1/24`. */
  addressA?: string;
  addressB?: string;
}

export interface Link {
  /** Interface name inside `a`. */
  a: string;
  /** Interface name inside `b`. */
  b: string;
}

const liveLabs = new Set<NetnsLab>();
let exitHooksInstalled = false;

export class NetnsLab {
  readonly id: string;
  private readonly namespaces: string[] = [];
  private readonly processes: LabProcess[] = [];
  private linkCount = 0;

  private constructor() {
    this.id = `${PREFIX}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Creates an empty lab after removing what dead runs left behind. */
  static async create(): Promise<NetnsLab> {
    await sweepStale();
    installExitHooks();
    const lab = new NetnsLab();
    liveLabs.add(lab);
    return lab;
  }

  /** Creates namespace `<lab id>-<name>` with `lo` up. */
  async namespace(name: string): Promise<Netns> {
    if (!/^[a-z0-9]{1,16}$/.test(name)) {
      throw new Error(`namespace name "${name}": use 1-16 lowercase letters and digits`);
    }
    const full = `${this.id}-${name}`;
    await run('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    await run('ip', ['-n', full, 'link', 'set', 'lo', 'up']);
    return this.handle(full);
  }

  /**
   * Joins two namespaces with a veth pair, created directly inside them so
   * that no end ever exists in the caller's namespace, and brings both up.
   */
  async link(a: Netns, b: Netns, options: LinkOptions = {}): Promise<Link> {
    this.linkCount += 1;
    // IFNAMSIZ allows 15 characters; names only need to be unique per namespace.
    const ends = { a: `veth${this.linkCount}a`, b: `veth${this.linkCount}b` };
    await run('ip', [
      'link',
      'add',
      ends.a,
      'netns',
      a.name,
      'type',
      'veth',
      'peer',
      'name',
      ends.b,
      'netns',
      b.name,
    ]);
    await a.ip('link', 'set', ends.a, 'up');
    await b.ip('link', 'set', ends.b, 'up');
    if (options.addressA) await a.addAddress(ends.a, options.addressA);
    if (options.addressB) await b.addAddress(ends.b, options.addressB);
    return ends;
  }

  /** Kills every process the lab started, then deletes its namespaces. */
  async cleanup(): Promise<void> {
    liveLabs.delete(this);
    await Promise.all(this.processes.map((p) => stopProcess(p)));
    this.processes.length = 0;
    for (const name of this.namespaces.splice(0)) {
      await run('ip', ['netns', 'delete', name], { allowFailure: true });
    }
  }

  /** Names of the namespaces this lab currently owns. */
  names(): readonly string[] {
    return [...this.namespaces];
  }

  private handle(name: string): Netns {
    return {
      name,
      run: (command, args = [], options) =>
        run('ip', ['netns', 'exec', name, command, ...args], options),
      ip: (...args) => run('ip', ['-n', name, ...args]),
      spawn: (command, args = [], options = {}) => {
        const p = startProcess(['ip', 'netns', 'exec', name, command, ...args], options);
        this.processes.push(p);
        return p;
      },
      async addAddress(ifname, cidr) {
        const family = cidr.includes(':') ? ['-6'] : [];
        // IPv6 addresses would wait for duplicate address detection first.
        const nodad = cidr.includes(':') ? ['nodad'] : [];
        await run('ip', ['-n', name, ...family, 'addr', 'add', cidr, 'dev', ifname, ...nodad]);
      },
      async sysctl(key, value) {
        await run('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', `${key}=${value}`]);
      },
    };
  }

  /** Synchronous cleanup for exit paths where no promise will be awaited. */
  cleanupSync(): void {
    liveLabs.delete(this);
    for (const p of this.processes) killGroup(p.child, 'SIGKILL');
    for (const name of this.namespaces.splice(0)) {
      try {
        execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
  }
}

function startProcess(argv: readonly string[], options: SpawnOptions): LabProcess {
  const [command, ...args] = argv as [string, ...string[]];
  // Own process group, so cleanup reaches whatever the program forks.
  const child = spawn(command, args, {
    stdio: [
      options.stdin ? 'pipe' : 'ignore',
      'pipe',
      'pipe',
      ...Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const),
    ],
    detached: true,
    env: options.env ?? process.env,
  });
  let buffer = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    buffer += d.toString();
    // Keep the tail only: a chatty server must not grow the test's memory.
    if (buffer.length > 1_000_000) buffer = buffer.slice(-500_000);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', (error) => {
      buffer += `\n[spawn failed: ${error.message}]`;
      resolve(127);
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
    for (const l of listeners) l();
  });
  return {
    child,
    exited,
    output: () => buffer,
    lastLines: (n) => buffer.trimEnd().split('\n').slice(-n),
    kill: (signal = 'SIGTERM') => killGroup(child, signal),
    waitFor(pattern, timeoutMs = 30_000) {
      const matches = () =>
        typeof pattern === 'string' ? buffer.includes(pattern) : pattern.test(buffer);
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (matches()) finish();
          else if (done)
            finish(
              new Error(`${argv.join(' ')} exited before printing ${pattern}; output:\n${buffer}`),
            );
        };
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `no ${pattern} from ${argv.join(' ')} within ${timeoutMs} ms; output:\n${buffer}`,
              ),
            ),
          timeoutMs,
        );
        const finish = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function stopProcess(p: LabProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2_000).unref());
  if ((await Promise.race([p.exited, timeout])) === 'timeout') {
    p.kill('SIGKILL');
    await p.exited;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes lab namespaces whose creating process no longer exists. */
export async function sweepStale(): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const m = NAME_RE.exec(n);
    return m !== null && !isAlive(Number(m[1]));
  });
  for (const name of stale) {
    // Processes still inside a dead run's namespace would keep it alive.
    const pids = await run('ip', ['netns', 'pids', name], { allowFailure: true });
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await run('ip', ['netns', 'delete', name], { allowFailure: true });
  }
  return stale;
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', () => {
    for (const lab of [...liveLabs]) lab.cleanupSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      for (const lab of [...liveLabs]) lab.cleanupSync();
      // Die of the same signal, as the default handler would have.
      process.removeListener(signal, handler);
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}
