/**
 * TypeScript shapes of the GoBGP API messages anycastd sends and reads, as
 * grpc-js hands them over with LOADER_OPTIONS (snake_case names, enums as
 * their names, 64-bit numbers as numbers). Only the fields used are typed.
 */
import type { FamilyMessage, PathMessage } from './path-codec.js';

export interface GracefulRestartMessage {
  enabled: boolean;
  restart_time: number;
  helper_only?: boolean;
  deferral_time?: number;
  notification_enabled?: boolean;
  local_restarting?: boolean;
}

export interface GlobalMessage {
  asn: number;
  router_id: string;
  listen_port: number;
  listen_addresses: string[];
}

export type SessionState =
  'UNKNOWN' | 'IDLE' | 'CONNECT' | 'ACTIVE' | 'OPENSENT' | 'OPENCONFIRM' | 'ESTABLISHED';

export interface AfiSafiMessage {
  mp_graceful_restart?: { config: { enabled: boolean } } | null;
  config: { family: FamilyMessage; enabled: boolean } | null;
  state?: {
    family: FamilyMessage | null;
    received: number;
    accepted: number;
    advertised: number;
  } | null;
}

/** Written by AddPeer; read back (with state) from ListPeer and WatchEvent. */
export interface PeerMessage {
  conf: {
    neighbor_address: string;
    peer_asn: number;
    local_asn?: number;
    auth_password?: string;
    description?: string;
  } | null;
  ebgp_multihop?: { enabled: boolean; multihop_ttl: number } | null;
  timers?: {
    config: { connect_retry: number; hold_time: number; keepalive_interval: number } | null;
    state?: {
      negotiated_hold_time: number;
      uptime: { seconds: number; nanos: number } | null;
      downtime: { seconds: number; nanos: number } | null;
    } | null;
  } | null;
  transport?: { local_address: string; passive_mode: boolean; remote_port: number } | null;
  graceful_restart?: GracefulRestartMessage | null;
  afi_safis: AfiSafiMessage[];
  state?: {
    neighbor_address: string;
    peer_asn: number;
    session_state: SessionState;
    admin_state: 'UP' | 'DOWN' | 'PFX_CT';
    flops: number;
    router_id: string;
  } | null;
}

export interface DestinationMessage {
  prefix: string;
  paths: PathMessage[];
}

export interface WatchEventMessage {
  event?: 'peer';
  peer?: { type: 'UNKNOWN' | 'INIT' | 'END_OF_INIT' | 'STATE'; peer: PeerMessage | null } | null;
}
