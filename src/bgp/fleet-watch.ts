/**
 * The fleet guard's eyes: reads, a few times a second, what every other
 * director sent over its fleet session (GoBGP's Adj-RIB-In, which keeps
 * routes the import policy rejects) and tells when the view changed.
 */
import type { Logger } from '../log.js';
import type { GobgpClient } from './client.js';
import { type FleetView, NO_FLEET, fleetView } from './fleet-view.js';
import type { DestinationMessage } from './messages.js';
import { IPV4_UNICAST, IPV6_UNICAST } from './path-codec.js';

export interface FleetWatchOptions {
  client: GobgpClient;
  /** The other directors' session addresses. */
  peers: readonly string[];
  marker: string;
  /** A session's state as the publisher already tracks it (gobgpd's event stream). */
  sessionState: (address: string) => string | undefined;
  log: Logger;
  onChange: (view: FleetView) => void;
  /** Between reads; 250 ms. */
  intervalMs?: number;
}

export class FleetWatch {
  private view: FleetView = NO_FLEET;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;
  private text = '';

  constructor(private readonly options: FleetWatchOptions) {}

  current(): FleetView {
    return this.view;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.read();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.intervalMs ?? 250);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async read(): Promise<void> {
    const { client, peers, marker, log, sessionState } = this.options;
    let next: FleetView;
    try {
      const received = new Map<string, DestinationMessage[]>();
      let established = 0;
      for (const peer of peers) {
        if (sessionState(peer) !== 'ESTABLISHED') {
          received.set(peer, []);
          continue;
        }
        established++;
        const rows: DestinationMessage[] = [];
        for (const family of [IPV4_UNICAST, IPV6_UNICAST])
          rows.push(...(await client.listAdjIn(peer, family)));
        received.set(peer, rows);
      }
      next = fleetView(received, established, marker);
      if (this.failing) log.info({ event: 'fleet_view_restored' }, 'fleet view readable again');
      this.failing = false;
    } catch (err) {
      // Unknown is not "nobody else": the guard then acts as if it had no fleet.
      if (!this.failing)
        log.warn(
          { event: 'fleet_view_failed', error: String(err) },
          'cannot read what the other directors announce',
        );
      this.failing = true;
      next = NO_FLEET;
    }
    const text = JSON.stringify([next.established, [...next.announcers]]);
    if (text === this.text) return;
    this.text = text;
    this.view = next;
    this.options.onChange(next);
  }
}
