/**
 * Neighbour settings to GoBGP Peer messages, and Peer messages (ListPeer,
 * WatchEvent) to the status anycastd shows. Pure.
 */
import type { PeerMessage, SessionState } from './messages.js';
import { familyMessage } from './path-codec.js';
import {
  type PeerSettings,
  type SpeakerSettings,
  DEFAULT_CONNECT_RETRY,
  DEFAULT_HOLD_TIME,
  DEFAULT_RESTART_TIME,
} from './settings.js';

/** Seconds a restarted speaker waits for the router's End-of-RIB before sending its routes. */
const GR_DEFERRAL_TIME = 5;

export function toPeerMessage(peer: PeerSettings, speaker: SpeakerSettings): PeerMessage {
  const hold = peer.holdTime ?? DEFAULT_HOLD_TIME;
  const restartTime = speaker.restartTime ?? DEFAULT_RESTART_TIME;
  const gr = restartTime > 0;
  return {
    conf: {
      neighbor_address: peer.address,
      peer_asn: peer.asn,
      auth_password: peer.password ?? '',
      description: peer.description ?? '',
    },
    ebgp_multihop: peer.multihopTtl ? { enabled: true, multihop_ttl: peer.multihopTtl } : null,
    timers: {
      config: {
        hold_time: hold,
        keepalive_interval: peer.keepalive ?? Math.max(1, Math.floor(hold / 3)),
        connect_retry: peer.connectRetry ?? DEFAULT_CONNECT_RETRY,
      },
    },
    transport: {
      local_address: peer.localAddress ?? '',
      passive_mode: peer.passive ?? false,
      remote_port: peer.port ?? 179,
    },
    // Helper-only off: this director is the restarting side, and every start
    // is a restart whose forwarding (the kernel's IPVS table) was preserved,
    // so the OPEN carries the restart and forwarding bits and routers keep
    // the routes until our End-of-RIB. Notification (RFC 8538) stays off so
    // that a hold-timer expiry (a dead or cut-off host) flushes our routes at
    // once instead of keeping them stale. The router's End-of-RIB is awaited
    // at most 5 s before ours are sent.
    graceful_restart: gr
      ? {
          enabled: true,
          restart_time: restartTime,
          helper_only: false,
          notification_enabled: false,
          local_restarting: true,
          deferral_time: GR_DEFERRAL_TIME,
        }
      : null,
    afi_safis: (peer.families ?? ['ipv4', 'ipv6']).map((f) => ({
      config: { family: familyMessage(f), enabled: true },
      // Without it routers treat the family as not restartable.
      mp_graceful_restart: gr ? { config: { enabled: true } } : null,
    })),
  };
}

export interface PeerStatus {
  address: string;
  asn: number;
  state: SessionState;
  adminDown: boolean;
  /** When the session last came up (ISO time), if it is up. */
  upSince: string | undefined;
  /** Sessions lost since gobgpd started. */
  flaps: number;
  /** Routes we advertise to it, per family. */
  advertised: Record<string, number>;
  routerId: string;
}

export function peerStatus(msg: PeerMessage): PeerStatus {
  const state = msg.state;
  const up = msg.timers?.state?.uptime;
  const established = state?.session_state === 'ESTABLISHED';
  const advertised: Record<string, number> = {};
  for (const af of msg.afi_safis) {
    const fam = af.state?.family ?? af.config?.family;
    if (fam && af.state) advertised[fam.afi === 'AFI_IP6' ? 'ipv6' : 'ipv4'] = af.state.advertised;
  }
  return {
    address: msg.conf?.neighbor_address || state?.neighbor_address || '',
    asn: msg.conf?.peer_asn || state?.peer_asn || 0,
    state: state?.session_state ?? 'UNKNOWN',
    adminDown: state?.admin_state === 'DOWN',
    upSince:
      established && up && up.seconds > 0 ? new Date(up.seconds * 1000).toISOString() : undefined,
    flaps: state?.flops ?? 0,
    advertised,
    routerId: state?.router_id ?? '',
  };
}
