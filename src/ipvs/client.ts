/**
 * The typed IPVS client: read the kernel's table, change it one operation or
 * a whole batch at a time, with every outcome reported per operation.
 *
 *   const ipvs = await IpvsClient.open();
 *   await ipvs.apply([{ type: 'add-service', service: service({ key, scheduler: 'mh' }) }]);
 *   const table = await ipvs.dump();
 *   ipvs.close();
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NETLINK_GENERIC } from '../netlink/constants.js';
import { errnoNumber } from '../netlink/errno.js';
import { NetnsError } from '../netlink/netns.js';
import type { MessageHeader } from '../netlink/reader.js';
import { GenlSocket, NetlinkError, type Reply } from '../netlink/socket.js';
import { MessageWriter } from '../netlink/writer.js';
import { IPVS_CMD, IPVS_GENL_NAME } from './codec/constants.js';
import {
  decodeDaemon,
  decodeDestination,
  decodeFamily,
  decodeInfo,
  decodeService,
  decodeTimeouts,
} from './codec/decode.js';
import {
  encodeGet,
  encodeGetDestinations,
  encodeGetFamily,
  encodeGetService,
  encodeOp,
} from './codec/encode.js';
import { IpvsError, IpvsUnavailableError, IpvsValidationError } from './errors.js';
import {
  type Destination,
  type DestinationConfig,
  type DestinationKey,
  describeService,
  type IpvsInfo,
  type Service,
  type ServiceConfig,
  type ServiceKey,
  type ServiceWithDestinations,
  type SyncDaemon,
  type SyncState,
  type Timeouts,
} from './model.js';
import { describeOp, type IpvsOp } from './ops.js';
import { canonicalKey, checkOp, checkServiceKey } from './validate.js';

export interface IpvsClientOptions {
  /** Network namespace (name under /run/netns, or a path) to work in. */
  netns?: string | undefined;
  /** Deadline of a request without reply, in ms (default 10 000). */
  timeoutMs?: number | undefined;
  /** Try `modprobe ip_vs` once when the IPVS family is missing (default true). */
  modprobe?: boolean | undefined;
  /**
   * Apply a single operation, when nothing else is in progress, with two
   * synchronous system calls instead of a round through the event loop
   * (default true; see src/netlink/sync-socket.ts).
   */
  synchronousSingles?: boolean | undefined;
}

export interface ReadOptions {
  /** Decode the 64-bit counters (default true); listings of configuration skip them. */
  stats?: boolean;
}

export type OpResult =
  | { readonly op: IpvsOp; readonly ok: true }
  | { readonly op: IpvsOp; readonly ok: false; readonly error: IpvsError };

const ENOENT = errnoNumber('ENOENT');
const ESRCH = errnoNumber('ESRCH');
const EPERM = errnoNumber('EPERM');

const execFileP = promisify(execFile);

/**
 * Sockets reading destinations side by side in a large listing. The kernel
 * runs one dump at a time per socket, so one socket waits a round trip per
 * service; a few sockets keep the kernel and our decoder busy meanwhile.
 */
const DUMP_SOCKETS = 4;
/** Services per extra socket below which a second socket is not worth opening. */
const SERVICES_PER_DUMP_SOCKET = 64;

export class IpvsClient {
  /** Extra sockets for parallel destination dumps, opened on first need. */
  private readers: GenlSocket[] = [];

  private constructor(
    private readonly socket: GenlSocket,
    private readonly familyId: number,
    private readonly options: IpvsClientOptions = {},
  ) {}

  /**
   * Opens a netlink socket (in `options.netns` if given) and resolves the
   * IPVS family, loading the ip_vs module once if it is missing.
   */
  static async open(options: IpvsClientOptions = {}): Promise<IpvsClient> {
    let socket: GenlSocket;
    try {
      socket = new GenlSocket({
        netns: options.netns,
        timeoutMs: options.timeoutMs,
        synchronousSingles: options.synchronousSingles,
      });
    } catch (error) {
      if (error instanceof NetnsError) throw new IpvsUnavailableError(error.message, 'netns');
      throw error;
    }
    try {
      const familyId = await resolveFamily(socket, options.modprobe ?? true);
      return new IpvsClient(socket, familyId, options);
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  /** Kernel IPVS version and connection table size. */
  async info(): Promise<IpvsInfo> {
    const reply = await this.read('read IPVS info', (w) =>
      encodeGet(w, this.familyId, IPVS_CMD.GET_INFO, false),
    );
    return decodeInfo(reply.buf, reply.header);
  }

  /** Connection timeouts (tcp, tcpfin, udp) in seconds. */
  async timeouts(): Promise<Timeouts> {
    const reply = await this.read('read timeouts', (w) =>
      encodeGet(w, this.familyId, IPVS_CMD.GET_CONFIG, false),
    );
    return decodeTimeouts(reply.buf, reply.header);
  }

  /** Running sync daemons (at most one master and one backup). */
  async daemons(): Promise<SyncDaemon[]> {
    const out: SyncDaemon[] = [];
    await this.readDump(
      'list sync daemons',
      (w) => encodeGet(w, this.familyId, IPVS_CMD.GET_DAEMON, true),
      (buf, header) => {
        const d = decodeDaemon(buf, header);
        if (d) out.push(d);
      },
    );
    return out;
  }

  /** Every service, in the kernel's order, without destinations. */
  async services(options: ReadOptions = {}): Promise<Service[]> {
    const out: Service[] = [];
    await this.readDump(
      'list services',
      (w) => encodeGet(w, this.familyId, IPVS_CMD.GET_SERVICE, true),
      (buf, header) => out.push(decodeService(buf, header, options)),
    );
    return out;
  }

  /** One service, or undefined when it does not exist. */
  async service(key: ServiceKey): Promise<Service | undefined> {
    assertValid(checkServiceKey(key));
    try {
      const reply = await this.read(`read service ${describeService(key)}`, (w) =>
        encodeGetService(w, this.familyId, canonicalKey(key)),
      );
      return decodeService(reply.buf, reply.header);
    } catch (error) {
      if (error instanceof IpvsError && error.errno === ESRCH) return undefined;
      throw error;
    }
  }

  /** The destinations of one service, in the kernel's order. */
  async destinations(key: ServiceKey, options: ReadOptions = {}): Promise<Destination[]> {
    assertValid(checkServiceKey(key));
    const out: Destination[] = [];
    await this.readDump(
      `list destinations of ${describeService(key)}`,
      (w) => encodeGetDestinations(w, this.familyId, canonicalKey(key)),
      (buf, header) => out.push(decodeDestination(buf, header, key.family, options)),
    );
    return out;
  }

  /**
   * The whole table: every service with its destinations, in the kernel's
   * order. A service deleted in between simply has no destinations.
   */
  async dump(options: ReadOptions = {}): Promise<ServiceWithDestinations[]> {
    const out: ServiceWithDestinations[] = [];
    await this.eachWithDestinations(await this.services(options), (svc) => out.push(svc), options);
    return out;
  }

  /**
   * Reads the destinations of `services`, in the order given, and hands each
   * service with its destinations to `visit` as soon as they are read: one
   * dump per service, chained on the socket. Callers that process and drop
   * each service (listings) never hold the whole table in memory.
   */
  async eachWithDestinations(
    services: readonly Service[],
    visit: (service: ServiceWithDestinations) => void,
    options: ReadOptions = {},
  ): Promise<void> {
    const lanes = Math.max(
      1,
      Math.min(DUMP_SOCKETS, Math.floor(services.length / SERVICES_PER_DUMP_SOCKET)),
    );
    const sockets = [this.socket, ...this.extraSockets(lanes - 1)];
    // Service i is read on socket i % lanes; results are handed to `visit`
    // strictly in the order given, holding only those that arrive early.
    const early = new Map<number, ServiceWithDestinations>();
    let next = 0;
    let visitError: unknown;
    const deliver = (index: number, service: ServiceWithDestinations) => {
      early.set(index, service);
      while (visitError === undefined && early.has(next)) {
        const ready = early.get(next) as ServiceWithDestinations;
        early.delete(next);
        next++;
        try {
          visit(ready);
        } catch (error) {
          visitError = error;
        }
      }
    };
    const lane = async (socket: GenlSocket, first: number): Promise<void> => {
      const mine: number[] = [];
      for (let i = first; i < services.length; i += sockets.length) mine.push(i);
      const w = new MessageWriter(mine.length * 48 + 64);
      for (const i of mine) encodeGetDestinations(w, this.familyId, (services[i] as Service).key);
      let current: Destination[] = [];
      await socket.dumpMany(
        w,
        (j, buf, header) => {
          const svc = services[mine[j] as number] as Service;
          current.push(decodeDestination(buf, header, svc.key.family, options));
        },
        (j, errno) => {
          const i = mine[j] as number;
          const svc = services[i] as Service;
          if (errno !== 0 && errno !== ESRCH) {
            throw new IpvsError(errno, `list destinations of ${describeService(svc.key)}`);
          }
          deliver(i, { ...svc, destinations: current });
          current = [];
        },
      );
    };
    try {
      await Promise.all(sockets.map((socket, k) => lane(socket, k)));
    } catch (error) {
      throw error instanceof IpvsError ? error : toIpvsError(error, 'list destinations');
    }
    if (visitError !== undefined) {
      throw visitError instanceof Error ? visitError : new Error('listing visitor failed');
    }
  }

  /** `count` more sockets in the client's namespace, kept for later listings. */
  private extraSockets(count: number): GenlSocket[] {
    while (this.readers.length < count) {
      this.readers.push(
        new GenlSocket({ netns: this.options.netns, timeoutMs: this.options.timeoutMs }),
      );
    }
    return this.readers.slice(0, count);
  }

  /**
   * Applies operations in order, many per sendmsg, and reports each one's
   * outcome. The whole list is checked first: if any operation is invalid,
   * nothing is sent and IpvsValidationError lists every problem.
   */
  async apply(ops: readonly IpvsOp[]): Promise<OpResult[]> {
    const problems = ops.flatMap((op, i) => checkOp(op, ops.length === 1 ? 'op' : `ops[${i}]`));
    assertValid(problems);
    // Small enough for a single operation to come from Node's buffer pool.
    const w = new MessageWriter(Math.max(256, ops.length * 160));
    for (const op of ops) encodeOp(w, this.familyId, normalize(op), 0);
    let errnos: number[];
    try {
      errnos = await this.socket.batch(w);
    } catch (error) {
      throw toIpvsError(
        error,
        ops.length === 1 ? describeOp(ops[0] as IpvsOp) : `apply ${ops.length} operations`,
      );
    }
    // Permission is a property of the socket, not of an operation: refuse the batch as a whole.
    if (errnos.includes(EPERM ?? -1)) throw permissionError();
    return ops.map((op, i) => {
      const errno = errnos[i] ?? 0;
      return errno === 0
        ? { op, ok: true as const }
        : { op, ok: false as const, error: new IpvsError(errno, describeOp(op), op.type) };
    });
  }

  /** Applies one operation and throws its IpvsError if the kernel refuses it. */
  async applyOne(op: IpvsOp): Promise<void> {
    const [result] = await this.apply([op]);
    if (result && !result.ok) {
      if (result.error.errno === EPERM) throw permissionError();
      throw result.error;
    }
  }

  addService(service: ServiceConfig): Promise<void> {
    return this.applyOne({ type: 'add-service', service });
  }
  editService(service: ServiceConfig): Promise<void> {
    return this.applyOne({ type: 'edit-service', service });
  }
  deleteService(key: ServiceKey): Promise<void> {
    return this.applyOne({ type: 'delete-service', service: key });
  }
  addDestination(service: ServiceKey, destination: DestinationConfig): Promise<void> {
    return this.applyOne({ type: 'add-destination', service, destination });
  }
  editDestination(service: ServiceKey, destination: DestinationConfig): Promise<void> {
    return this.applyOne({ type: 'edit-destination', service, destination });
  }
  deleteDestination(service: ServiceKey, destination: DestinationKey): Promise<void> {
    return this.applyOne({ type: 'delete-destination', service, destination });
  }
  /** Deletes every service (and so every destination) in this namespace. */
  flush(): Promise<void> {
    return this.applyOne({ type: 'flush' });
  }
  /** Zeroes the counters of one service, or of all when none is given. */
  zero(service?: ServiceKey): Promise<void> {
    return this.applyOne({ type: 'zero', service });
  }
  /** Sets connection timeouts; a 0 leaves that timeout unchanged. */
  setTimeouts(timeouts: Timeouts): Promise<void> {
    return this.applyOne({ type: 'set-timeouts', timeouts });
  }
  startDaemon(daemon: SyncDaemon): Promise<void> {
    return this.applyOne({ type: 'start-daemon', daemon });
  }
  stopDaemon(state: SyncState): Promise<void> {
    return this.applyOne({ type: 'stop-daemon', state });
  }

  /** sendmsg calls and netlink messages sent since the client opened. */
  counters(): { sendmsg: number; messages: number } {
    return { ...this.socket.counters };
  }

  /** Closes the socket; requests in progress reject. */
  close(): void {
    this.socket.close();
    for (const r of this.readers) r.close();
    this.readers = [];
  }

  private async read(what: string, build: (w: MessageWriter) => void): Promise<Reply> {
    const w = new MessageWriter(256);
    build(w);
    try {
      return await this.socket.request(w);
    } catch (error) {
      throw toIpvsError(error, what);
    }
  }

  private async readDump(
    what: string,
    build: (w: MessageWriter) => void,
    visit: (buf: Buffer, header: MessageHeader) => void,
  ): Promise<void> {
    const w = new MessageWriter(256);
    build(w);
    try {
      await this.socket.dump(w, visit);
    } catch (error) {
      throw toIpvsError(error, what);
    }
  }
}

/** Addresses in keys go to the kernel in canonical form. */
function normalize(op: IpvsOp): IpvsOp {
  switch (op.type) {
    case 'add-service':
    case 'edit-service':
      return { ...op, service: { ...op.service, key: canonicalKey(op.service.key) } };
    case 'delete-service':
      return { ...op, service: canonicalKey(op.service) };
    case 'add-destination':
    case 'edit-destination':
    case 'delete-destination':
      return { ...op, service: canonicalKey(op.service) };
    case 'zero':
      return op.service ? { ...op, service: canonicalKey(op.service) } : op;
    default:
      return op;
  }
}

function assertValid(problems: readonly string[]): void {
  if (problems.length) throw new IpvsValidationError(problems);
}

function permissionError(): IpvsUnavailableError {
  return new IpvsUnavailableError(
    'permission denied: IPVS needs root or the CAP_NET_ADMIN capability (run as root, or grant it with setcap or systemd AmbientCapabilities)',
    'permission',
  );
}

function toIpvsError(error: unknown, operation: string): Error {
  if (error instanceof NetlinkError) {
    if (error.errno === EPERM) return permissionError();
    return new IpvsError(error.errno, operation);
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function resolveFamily(socket: GenlSocket, modprobe: boolean): Promise<number> {
  const attempt = async (): Promise<number | undefined> => {
    const w = new MessageWriter(64);
    encodeGetFamily(w, IPVS_GENL_NAME);
    try {
      const reply = await socket.request(w);
      return decodeFamily(reply.buf, reply.header).id;
    } catch (error) {
      if (error instanceof NetlinkError && error.errno === ENOENT) return undefined;
      throw error instanceof NetlinkError
        ? new IpvsError(error.errno, 'resolve the IPVS netlink family')
        : error;
    }
  };
  const first = await attempt();
  if (first !== undefined) return first;
  let probeNote = 'modprobe was not tried';
  if (modprobe) {
    try {
      await execFileP('modprobe', ['ip_vs'], { timeout: 15_000 });
      const second = await attempt();
      if (second !== undefined) return second;
      probeNote = 'modprobe ip_vs succeeded but the family is still missing';
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      probeNote = `modprobe ip_vs failed: ${(e.stderr ?? '').trim() || e.code || e.message}`;
    }
  }
  throw new IpvsUnavailableError(
    `IPVS is not available: the kernel has no "${IPVS_GENL_NAME}" generic netlink family ` +
      `(netlink protocol ${NETLINK_GENERIC}); ${probeNote}. ` +
      'Load it with `modprobe ip_vs` (as root), or use a kernel built with CONFIG_IP_VS.',
    'no-ipvs',
  );
}
