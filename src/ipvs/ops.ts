/**
 * Everything the IPVS client can change, as a tagged union. Planners produce
 * lists of these; the client validates a whole list before sending any of it
 * and reports an outcome per operation.
 */
import {
  type DestinationConfig,
  type DestinationKey,
  describeService,
  type ServiceConfig,
  type ServiceKey,
  type SyncDaemon,
  type SyncState,
  type Timeouts,
  destinationKeyString,
} from './model.js';

export type IpvsOp =
  | { readonly type: 'add-service'; readonly service: ServiceConfig }
  | { readonly type: 'edit-service'; readonly service: ServiceConfig }
  | { readonly type: 'delete-service'; readonly service: ServiceKey }
  | {
      readonly type: 'add-destination';
      readonly service: ServiceKey;
      readonly destination: DestinationConfig;
    }
  | {
      readonly type: 'edit-destination';
      readonly service: ServiceKey;
      readonly destination: DestinationConfig;
    }
  | {
      readonly type: 'delete-destination';
      readonly service: ServiceKey;
      readonly destination: DestinationKey;
    }
  | { readonly type: 'flush' }
  | { readonly type: 'zero'; readonly service?: ServiceKey | undefined }
  | { readonly type: 'set-timeouts'; readonly timeouts: Timeouts }
  | { readonly type: 'start-daemon'; readonly daemon: SyncDaemon }
  | { readonly type: 'stop-daemon'; readonly state: SyncState };

/** Human wording of an operation, used in errors: `add destination 10.0.0.2:80 to TCP 192.0.2.10:80`. */
export function describeOp(op: IpvsOp): string {
  switch (op.type) {
    case 'add-service':
      return `add service ${describeService(op.service.key)}`;
    case 'edit-service':
      return `edit service ${describeService(op.service.key)}`;
    case 'delete-service':
      return `delete service ${describeService(op.service)}`;
    case 'add-destination':
      return `add destination ${destinationKeyString(op.destination)} to ${describeService(op.service)}`;
    case 'edit-destination':
      return `edit destination ${destinationKeyString(op.destination)} of ${describeService(op.service)}`;
    case 'delete-destination':
      return `delete destination ${destinationKeyString(op.destination)} from ${describeService(op.service)}`;
    case 'flush':
      return 'flush all services';
    case 'zero':
      return op.service ? `zero counters of ${describeService(op.service)}` : 'zero all counters';
    case 'set-timeouts':
      return `set timeouts tcp ${op.timeouts.tcp} tcpfin ${op.timeouts.tcpFin} udp ${op.timeouts.udp}`;
    case 'start-daemon':
      return `start ${op.daemon.state} sync daemon on ${op.daemon.interface}`;
    case 'stop-daemon':
      return `stop ${op.state} sync daemon`;
  }
}
