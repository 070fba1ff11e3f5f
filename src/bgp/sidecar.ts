/**
 * Spawn mode: anycastd runs gobgpd itself, from a config it writes, with the
 * gRPC API on a unix socket in its state directory (never a TCP port other
 * hosts could reach). gobgpd gets SIGKILL when anycastd dies (setpriv
 * --pdeathsig), so a crashed anycastd never leaves a speaker announcing on
 * its own: the router's graceful-restart timer then decides how long the
 * routes stay. A gobgpd that exits while anycastd lives is started again
 * with backoff.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Logger } from '../log.js';
import { gobgpdConfig } from './gobgpd-config.js';
import type { SpeakerSettings } from './settings.js';

export interface SidecarOptions {
  speaker: SpeakerSettings;
  /** Holds gobgpd.toml and gobgpd.sock; created if missing. */
  stateDir: string;
  /** Program to run; `gobgpd` from PATH by default. */
  binary?: string | undefined;
  /** The other directors (bgp.fleet): their routes are read, never used. */
  fleetPeers?: readonly string[] | undefined;
  log: Logger;
  /** See SOCKET_WAIT_MS. */
  socketWaitMs?: number | undefined;
}

const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 5000;
/** A gobgpd that ran this long before exiting restarts with the shortest delay again. */
const STABLE_AFTER_MS = 30_000;
/** How long start() waits for gobgpd's API socket before carrying on without it. */
const SOCKET_WAIT_MS = 10_000;

export class GobgpSidecar {
  readonly address: string;
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartDelay = RESTART_MIN_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly socketPath: string;
  private readonly configPath: string;
  private readonly binary: string;
  private readonly socketWaitMs: number;
  /** Starts counted since this object was made; the first is 1. */
  starts = 0;

  constructor(private readonly options: SidecarOptions) {
    this.socketPath = join(options.stateDir, 'gobgpd.sock');
    this.configPath = join(options.stateDir, 'gobgpd.toml');
    this.address = `unix://${this.socketPath}`;
    this.binary = options.binary ?? 'gobgpd';
    this.socketWaitMs = options.socketWaitMs ?? SOCKET_WAIT_MS;
  }

  /**
   * Writes the config and starts gobgpd; resolves once its API socket exists
   * or SOCKET_WAIT_MS have passed, rejects (with gobgpd stopped) if it exits.
   */
  async start(): Promise<void> {
    const found = findProgram(this.binary);
    if (!found)
      throw new CliError(
        `gobgpd not found (looked for ${this.binary} in PATH); install it with \`apt-get install gobgpd\`, ` +
          'or run a sidecar yourself and set bgp.sidecar.mode to external',
        ExitCode.Environment,
      );
    if (!findProgram('setpriv'))
      throw new CliError(
        'setpriv not found; it is in util-linux (`apt-get install util-linux`)',
        ExitCode.Environment,
      );
    mkdirSync(this.options.stateDir, { recursive: true, mode: 0o750 });
    writeFileSync(this.configPath, gobgpdConfig(this.options.speaker, this.options.fleetPeers), {
      mode: 0o640,
    });
    this.stopping = false;
    this.launch(found);
    const from = performance.now();
    try {
      await this.waitForSocket();
    } catch (err) {
      // Not left behind, nor restarted, by a start that failed.
      await this.stop('SIGKILL');
      throw err;
    }
    const ms = Math.round(performance.now() - from);
    if (this.socketReady)
      this.options.log.info(
        { event: 'sidecar_ready', ms },
        `gobgpd's API socket open after ${ms} ms`,
      );
    else
      this.options.log.warn(
        { event: 'sidecar_slow', ms },
        `gobgpd has not opened its API socket ${this.socketPath} after ${ms} ms; ` +
          'carrying on, anycastd connects as soon as it does',
      );
  }

  /** Stops gobgpd: SIGTERM, then SIGKILL after `graceMs`. No restart follows. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** The running gobgpd's pid, for tests and status. */
  get pid(): number | undefined {
    const child = this.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  private launch(program: string): void {
    rmSync(this.socketPath, { force: true });
    const args = [
      '--pdeathsig',
      'KILL',
      '--',
      program,
      '-f',
      this.configPath,
      `--api-hosts=${this.address}`,
      '--pprof-disable',
      // Restart state and forwarding preserved: a router acting as helper
      // keeps our routes until we send End-of-RIB instead of dropping them.
      '--graceful-restart',
    ];
    // A session of its own: a Ctrl-C or a SIGTERM meant for anycastd's process
    // group must reach anycastd alone, which drains and withdraws before it
    // stops gobgpd. Its death still follows anycastd's (pdeathsig).
    const child = spawn('setpriv', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.starts++;
    const started = Date.now();
    const log = this.options.log;
    log.info(
      { event: 'sidecar_started', pid: child.pid, config: this.configPath },
      'gobgpd started',
    );
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => forwardLine(log, line));
    }
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      if (this.stopping) {
        log.info({ event: 'sidecar_stopped', code, signal }, 'gobgpd stopped');
        return;
      }
      if (Date.now() - started > STABLE_AFTER_MS) this.restartDelay = RESTART_MIN_MS;
      log.error(
        { event: 'sidecar_exited', code, signal, restartInMs: this.restartDelay },
        'gobgpd exited; starting it again',
      );
      this.restartTimer = setTimeout(() => {
        if (!this.stopping) this.launch(program);
      }, this.restartDelay);
      this.restartDelay = Math.min(this.restartDelay * 2, RESTART_MAX_MS);
    });
  }

  /**
   * Waits for the API socket, failing if gobgpd exits first. A gobgpd that is
   * merely slow (a loaded or emulated machine can take tens of seconds) is
   * not an error: after the wait the publisher keeps retrying on its own.
   */
  private async waitForSocket(): Promise<void> {
    const until = Date.now() + this.socketWaitMs;
    while (!this.socketReady) {
      const child = this.child;
      if (child && (child.exitCode !== null || child.signalCode !== null))
        throw new CliError(
          `gobgpd exited ${child.exitCode !== null ? `with code ${child.exitCode}` : `on ${child.signalCode}`} at start; see its log lines above`,
        );
      if (Date.now() > until) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private get socketReady(): boolean {
    return existsSync(this.socketPath);
  }
}

/** gobgpd logs JSON lines (logrus); they are re-emitted as our own events. */
function forwardLine(log: Logger, line: string): void {
  let entry: { level?: string; msg?: string } & Record<string, unknown>;
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    log.info({ event: 'gobgpd_log' }, line);
    return;
  }
  const { level, msg, ...fields } = entry;
  delete fields.time;
  const at = gobgpdLevel(level, msg);
  log[at](
    { event: 'gobgpd_log', ...(at !== levelOf(level) && { gobgpd_level: level }), ...fields },
    msg ?? '',
  );
}

/**
 * Warnings of gobgpd (3.x, pkg/server/fsm.go) that describe normal BGP life,
 * not trouble: a peer that starts afresh rather than gracefully (FRR
 * on every session), and the resolution of two connections opened at once.
 * They are logged at info, the rest as gobgpd rates them.
 */
const ROUTINE_WARNINGS = new Set([
  'restart flag is not set',
  'Closed an accepted connection',
  'accepted conn is closed to avoid be blocked',
  'active conn is closed to avoid being blocked',
  'cannot change to the same state',
]);

function levelOf(level: string | undefined): 'error' | 'warn' | 'info' | 'debug' {
  if (level === 'error' || level === 'fatal' || level === 'panic') return 'error';
  if (level === 'warning') return 'warn';
  if (level === 'debug') return 'debug';
  return 'info';
}

/** The level a gobgpd line is logged at here. */
export function gobgpdLevel(
  level: string | undefined,
  msg: string | undefined,
): 'error' | 'warn' | 'info' | 'debug' {
  const at = levelOf(level);
  return at === 'warn' && msg !== undefined && ROUTINE_WARNINGS.has(msg) ? 'info' : at;
}

function findProgram(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const full = join(dir, name);
    if (dir && existsSync(full)) return full;
  }
  return undefined;
}
