/**
 * The sidecar guard, for external mode: a small process that runs beside a
 * gobgpd anycastd does not own and withdraws every route gobgpd originates
 * once no anycastd has been connected to it for the dead time. anycastd keeps
 * one unix-socket connection to the guard open while it lives; the kernel
 * closes it when anycastd dies, however it dies. A restarted anycastd that
 * reconnects within the dead time changes nothing.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { rmSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { GobgpClient } from './client.js';
import { IPV4_UNICAST, IPV6_UNICAST } from './path-codec.js';

export interface GuardOptions {
  client: GobgpClient;
  /** Unix socket anycastd connects to. */
  listenPath: string;
  deadTimeMs: number;
  log: Logger;
}

const RETRY_MS = 1000;
const RETRY_LINK_MS = 250;

export class SidecarGuard {
  private server: Server | undefined;
  private readonly controllers = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;
  /** Routes were withdrawn since the last controller left. */
  withdrawn = false;

  constructor(private readonly options: GuardOptions) {}

  async start(): Promise<void> {
    rmSync(this.options.listenPath, { force: true });
    const server = createServer((socket) => this.attach(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPath, () => resolve());
    });
    // Until an anycastd shows up, the routes gobgpd holds have no owner either.
    this.arm();
    this.options.log.info(
      {
        event: 'guard_started',
        listen: this.options.listenPath,
        deadTimeMs: this.options.deadTimeMs,
      },
      'guarding the sidecar',
    );
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const s of this.controllers) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.options.client.close();
  }

  private attach(socket: Socket): void {
    this.controllers.add(socket);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.withdrawn = false;
    this.options.log.info(
      { event: 'controller_connected', controllers: this.controllers.size },
      'anycastd connected',
    );
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.controllers.delete(socket);
      this.options.log.warn(
        { event: 'controller_gone', controllers: this.controllers.size },
        'anycastd disconnected',
      );
      if (this.controllers.size === 0) this.arm();
    });
    // Nothing is read; the connection's existence is the heartbeat.
    socket.resume();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.withdraw(), this.options.deadTimeMs);
  }

  private async withdraw(): Promise<void> {
    if (this.controllers.size > 0) return;
    try {
      await this.options.client.withdrawAll(IPV4_UNICAST);
      await this.options.client.withdrawAll(IPV6_UNICAST);
      this.withdrawn = true;
      this.options.log.error(
        { event: 'routes_withdrawn_controller_dead', deadTimeMs: this.options.deadTimeMs },
        'no anycastd for the dead time: withdrew every route',
      );
    } catch (err) {
      this.options.log.error(
        { event: 'guard_withdraw_failed', error: String(err) },
        'could not withdraw; retrying',
      );
      this.timer = setTimeout(() => void this.withdraw(), RETRY_MS);
    }
  }
}

/** anycastd's end: one connection to the guard, re-opened whenever it drops. */
export class GuardLink {
  private socket: Socket | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.stopped) return;
    const socket = connect(this.path);
    this.socket = socket;
    socket.on('connect', () => {
      this.warned = false;
      this.log.info(
        { event: 'guard_connected', guard: this.path },
        'connected to the sidecar guard',
      );
    });
    socket.on('error', (err) => {
      if (!this.warned)
        this.log.warn(
          { event: 'guard_unreachable', guard: this.path, error: err.message },
          'sidecar guard not reachable; retrying',
        );
      this.warned = true;
    });
    socket.on('close', () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.start(), RETRY_LINK_MS);
    });
    socket.resume();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }
}
