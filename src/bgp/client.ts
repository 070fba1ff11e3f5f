/**
 * A typed, deadline-bound client for the GoBGP 3.x gRPC API: one method per
 * RPC anycastd uses, each failing with a GobgpError that names the RPC and
 * the gRPC status. No retries here; the publisher owns retrying.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  DestinationMessage,
  GlobalMessage,
  PeerMessage,
  WatchEventMessage,
} from './messages.js';
import type { FamilyMessage, PathMessage } from './path-codec.js';
import { packageDefinition } from './proto.js';

/** Paths per AddPathStream message: big enough to amortize, small enough to stay far below 4 MiB. */
export const STREAM_BATCH = 512;

export class GobgpError extends Error {
  constructor(
    readonly rpc: string,
    readonly code: grpc.status,
    detail: string,
  ) {
    super(`GoBGP ${rpc}: ${grpc.status[code] ?? code}: ${detail}`);
    this.name = 'GobgpError';
  }

  /** The sidecar is not there (down, restarting, wrong address). */
  get unreachable(): boolean {
    return this.code === grpc.status.UNAVAILABLE || this.code === grpc.status.DEADLINE_EXCEEDED;
  }
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type UnaryMethod = (req: unknown, options: grpc.CallOptions, cb: Callback<unknown>) => void;
type StreamMethod = (req: unknown, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
type ClientStreamMethod = (
  options: grpc.CallOptions,
  cb: Callback<unknown>,
) => grpc.ClientWritableStream<unknown>;

export interface GobgpClientOptions {
  /** `unix:///run/anycastd/gobgpd.sock` or `127.0.0.1:50051`. */
  address: string;
  /** Deadline of each unary RPC and the base of streamed ones; default 5 s. */
  deadlineMs?: number | undefined;
}

export class GobgpClient {
  readonly address: string;
  private readonly deadlineMs: number;
  private readonly stub: grpc.Client;

  constructor(options: GobgpClientOptions) {
    this.address = options.address;
    this.deadlineMs = options.deadlineMs ?? 5000;
    const loaded = grpc.loadPackageDefinition(packageDefinition()) as unknown as {
      apipb: { GobgpApi: grpc.ServiceClientConstructor };
    };
    this.stub = new loaded.apipb.GobgpApi(options.address, grpc.credentials.createInsecure(), {
      // grpc-js backs off up to 120 s between reconnects by default; a
      // restarted sidecar must be found again within a second.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
    });
  }

  close(): void {
    this.stub.close();
  }

  async getBgp(): Promise<GlobalMessage | undefined> {
    const res = await this.unary<{ global: GlobalMessage | null }>('GetBgp', {});
    return res.global ?? undefined;
  }

  async startBgp(global: Partial<GlobalMessage> & { graceful_restart?: unknown }): Promise<void> {
    await this.unary('StartBgp', { global });
  }

  async addPeer(peer: PeerMessage): Promise<void> {
    await this.unary('AddPeer', { peer });
  }

  async deletePeer(address: string): Promise<void> {
    await this.unary('DeletePeer', { address });
  }

  async shutdownPeer(address: string, communication: string): Promise<void> {
    await this.unary('ShutdownPeer', { address, communication });
  }

  async listPeers(): Promise<PeerMessage[]> {
    const rows = await this.collect<{ peer: PeerMessage | null }>('ListPeer', {
      enableAdvertised: true,
    });
    return rows.flatMap((r) => (r.peer ? [r.peer] : []));
  }

  /** The global RIB's destinations of one family (every source, best or not). */
  async listPaths(family: FamilyMessage): Promise<DestinationMessage[]> {
    const rows = await this.collect<{ destination: DestinationMessage | null }>(
      'ListPath',
      { table_type: 'GLOBAL', family },
      // A big RIB takes longer than a small call: allow 1 ms per expected route on top.
      this.deadlineMs * 4,
    );
    return rows.flatMap((r) => (r.destination ? [r.destination] : []));
  }

  /** What GoBGP currently advertises to one neighbour (its Adj-RIB-Out) in one family. */
  async listAdjOut(neighbor: string, family: FamilyMessage): Promise<DestinationMessage[]> {
    return this.listNeighborTable('ADJ_OUT', neighbor, family);
  }

  /** What `neighbor` sent us, before import policy (the fleet guard reads other directors here). */
  async listAdjIn(neighbor: string, family: FamilyMessage): Promise<DestinationMessage[]> {
    return this.listNeighborTable('ADJ_IN', neighbor, family);
  }

  private async listNeighborTable(
    table: 'ADJ_IN' | 'ADJ_OUT',
    neighbor: string,
    family: FamilyMessage,
  ): Promise<DestinationMessage[]> {
    const rows = await this.collect<{ destination: DestinationMessage | null }>('ListPath', {
      table_type: table,
      name: neighbor,
      family,
    });
    return rows.flatMap((r) => (r.destination ? [r.destination] : []));
  }

  async addPath(path: PathMessage): Promise<void> {
    await this.unary('AddPath', { table_type: 'GLOBAL', path });
  }

  async deletePath(path: PathMessage): Promise<void> {
    await this.unary('DeletePath', { table_type: 'GLOBAL', family: path.family, path });
  }

  /** Withdraws every locally originated route of one family. */
  async withdrawAll(family: FamilyMessage): Promise<void> {
    await this.unary('DeletePath', { table_type: 'GLOBAL', family });
  }

  /** Sends paths (announcements and `is_withdraw` ones) over one AddPathStream call. */
  async addPathStream(paths: readonly PathMessage[]): Promise<void> {
    if (paths.length === 0) return;
    const method = this.method<ClientStreamMethod>('AddPathStream');
    await new Promise<void>((resolve, reject) => {
      const call = method({ deadline: this.deadline(this.deadlineMs + paths.length) }, (err) => {
        if (err) reject(new GobgpError('AddPathStream', err.code, err.details));
        else resolve();
      });
      call.on('error', () => {
        // Reported through the callback above; the listener keeps it from being unhandled.
      });
      let i = 0;
      const writeMore = (): void => {
        while (i < paths.length) {
          const batch = paths.slice(i, i + STREAM_BATCH);
          i += batch.length;
          if (!call.write({ table_type: 'GLOBAL', paths: batch })) {
            call.once('drain', writeMore);
            return;
          }
        }
        call.end();
      };
      writeMore();
    });
  }

  /**
   * Follows neighbour state changes until `cancel()` or the sidecar goes away
   * (`onEnd` then gets the reason). A cancelled stream is not an error.
   */
  watchPeers(
    onPeer: (peer: PeerMessage) => void,
    onEnd: (err: GobgpError | undefined) => void,
  ): () => void {
    const method = this.method<StreamMethod>('WatchEvent');
    const call = method({ peer: {} }, {});
    let done = false;
    const finish = (err: GobgpError | undefined): void => {
      if (done) return;
      done = true;
      onEnd(err);
    };
    call.on('data', (ev: WatchEventMessage) => {
      // END_OF_INIT carries a placeholder peer ("<nil>" address).
      if (ev.peer?.type !== 'END_OF_INIT' && ev.peer?.peer) onPeer(ev.peer.peer);
    });
    call.on('error', (err: grpc.ServiceError) => {
      finish(
        err.code === grpc.status.CANCELLED
          ? undefined
          : new GobgpError('WatchEvent', err.code, err.details),
      );
    });
    call.on('end', () => {
      finish(new GobgpError('WatchEvent', grpc.status.UNAVAILABLE, 'stream ended'));
    });
    return () => {
      done = true;
      call.cancel();
    };
  }

  private deadline(ms: number): Date {
    return new Date(Date.now() + ms);
  }

  private method<M>(name: string): M {
    const fn = (this.stub as unknown as Record<string, M & { bind(t: unknown): M }>)[name];
    if (!fn) throw new Error(`GoBGP API has no ${name} in proto/gobgp`);
    return fn.bind(this.stub);
  }

  private unary<T = unknown>(rpc: string, req: unknown): Promise<T> {
    const method = this.method<UnaryMethod>(rpc);
    return new Promise<T>((resolve, reject) => {
      method(req, { deadline: this.deadline(this.deadlineMs) }, (err, value) => {
        if (err) reject(new GobgpError(rpc, err.code, err.details));
        else resolve(value as T);
      });
    });
  }

  private collect<T>(rpc: string, req: unknown, deadlineMs = this.deadlineMs): Promise<T[]> {
    const method = this.method<StreamMethod>(rpc);
    return new Promise<T[]>((resolve, reject) => {
      const rows: T[] = [];
      const call = method(req, { deadline: this.deadline(deadlineMs) });
      call.on('data', (row: T) => rows.push(row));
      call.on('error', (err: grpc.ServiceError) =>
        reject(new GobgpError(rpc, err.code, err.details)),
      );
      call.on('end', () => resolve(rows));
    });
  }
}
