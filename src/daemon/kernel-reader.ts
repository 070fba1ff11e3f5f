/**
 * Reads the kernel's IPVS table (and the VIP interface's addresses) for the
 * daemon, on sockets of its own, while the daemon's loop goes on applying
 * changes on its socket. A full read is the service list, then the owned
 * services' destinations in slices; each part is handed to the loop as it
 * arrives and the next part is read only once the loop has merged it, so a
 * resync of a large table is many small merges, never one long stall.
 * Reads of named services (new in a reload, or whose operation failed) go
 * before the rest of a full read.
 *
 * Every part carries the view's epoch at the moment its read began, which is
 * what KernelView's merge rule needs.
 */
import type { Service, ServiceKey, ServiceWithDestinations } from '../ipvs/model.js';
import { serviceKeyString } from '../ipvs/model.js';
import type { KernelView } from './kernel-view.js';

/** The reading half of the IPVS client. */
export interface IpvsReadPort {
  services(): Promise<Service[]>;
  service(key: ServiceKey): Promise<Service | undefined>;
  eachWithDestinations(
    services: readonly Service[],
    visit: (service: ServiceWithDestinations) => void,
  ): Promise<void>;
  close(): void;
}

export type ReadPart =
  | { readonly kind: 'list'; readonly epoch: number; readonly present: ReadonlySet<string> }
  | {
      readonly kind: 'services';
      readonly epoch: number;
      readonly services: readonly ServiceWithDestinations[];
      /** Ids asked for by name that the kernel does not have. */
      readonly absent: readonly string[];
    }
  | { readonly kind: 'addresses'; readonly addresses: readonly string[] }
  | { readonly kind: 'done'; readonly ms: number; readonly services: number }
  | { readonly kind: 'failed'; readonly error: string };

export interface KernelReaderOptions {
  open: () => Promise<IpvsReadPort>;
  view: KernelView;
  /** The service ids the daemon owns now (configured, or dropped by a reload and not yet deleted). */
  owned: () => ReadonlySet<string>;
  /** The VIP interface's addresses, read on every full read; none: not read. */
  addresses?: (() => Promise<string[]>) | undefined;
  /** Hands a part to the loop; resolves once the loop has merged it. */
  deliver: (part: ReadPart) => Promise<void>;
  /** Services per destination read; 256. */
  sliceSize?: number | undefined;
  /** Wait after a failed read before the next; 1 s. */
  retryMs?: number | undefined;
}

export class KernelReader {
  private port: IpvsReadPort | undefined;
  private fullWanted = false;
  private readonly named = new Map<string, ServiceKey>();
  private wake: (() => void) | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private busy = false;
  /** Waiting out the pause after a failed read. */
  private retrying = false;

  constructor(private readonly options: KernelReaderOptions) {}

  /** Asks for a full read (coalesced with one already asked for). */
  full(): void {
    this.fullWanted = true;
    this.start();
  }

  /** Asks for a read of these services, ahead of any full read in progress. */
  read(keys: Iterable<ServiceKey>): void {
    for (const k of keys) this.named.set(serviceKeyString(k), k);
    if (this.named.size > 0) this.start();
  }

  /** Nothing being read, and nothing asked for but a retry after a failure. */
  get idle(): boolean {
    return !this.busy && this.named.size === 0 && (!this.fullWanted || this.retrying);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loop;
    this.port?.close();
    this.port = undefined;
  }

  private start(): void {
    this.loop ??= this.run();
    this.kick();
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.named.size === 0 && !this.fullWanted) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.busy = true;
      try {
        this.port ??= await this.options.open();
        if (this.named.size > 0) await this.readNamed(this.port);
        else {
          this.fullWanted = false;
          await this.readAll(this.port);
        }
      } catch (err) {
        this.port?.close();
        this.port = undefined;
        this.fullWanted = true;
        for (const [id] of this.named) this.named.delete(id);
        await this.options.deliver({
          kind: 'failed',
          error: err instanceof Error ? err.message : String(err),
        });
        this.busy = false;
        this.retrying = true;
        if (!this.stopped)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.options.retryMs ?? 1000);
            timer.unref();
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
      } finally {
        this.busy = false;
        this.retrying = false;
      }
    }
  }

  private async readNamed(port: IpvsReadPort): Promise<void> {
    const keys = [...this.named.values()];
    this.named.clear();
    const epoch = this.options.view.epoch();
    const found: Service[] = [];
    const absent: string[] = [];
    for (const key of keys) {
      const s = await port.service(key);
      if (s) found.push(s);
      else absent.push(serviceKeyString(key));
    }
    const services: ServiceWithDestinations[] = [];
    await port.eachWithDestinations(found, (s) => services.push(s));
    await this.options.deliver({ kind: 'services', epoch, services, absent });
  }

  private async readAll(port: IpvsReadPort): Promise<void> {
    const started = performance.now();
    const listEpoch = this.options.view.epoch();
    const list = await port.services();
    const present = new Set(list.map((s) => serviceKeyString(s.key)));
    await this.options.deliver({ kind: 'list', epoch: listEpoch, present });
    const owned = this.options.owned();
    const mine = list.filter((s) => owned.has(serviceKeyString(s.key)));
    const slice = this.options.sliceSize ?? 256;
    for (let i = 0; i < mine.length && !this.stopped; i += slice) {
      if (this.named.size > 0) await this.readNamed(port);
      const services: ServiceWithDestinations[] = [];
      await port.eachWithDestinations(mine.slice(i, i + slice), (s) => services.push(s));
      // Merged at the list's epoch, not the slice's: that a service exists at all is
      // known from the list, and a destination read of a service deleted since then
      // comes back as an empty service (ESRCH reads as no destinations).
      await this.options.deliver({ kind: 'services', epoch: listEpoch, services, absent: [] });
    }
    if (this.options.addresses)
      await this.options.deliver({
        kind: 'addresses',
        addresses: await this.options.addresses(),
      });
    await this.options.deliver({
      kind: 'done',
      ms: Math.round(performance.now() - started),
      services: mine.length,
    });
  }
}
