/**
 * Errors of the IPVS layer. A kernel refusal carries the errno name, the
 * operation and the object it was about, so a log line or CLI message says
 * exactly what failed: `add destination 10.0.0.2:80 to TCP 192.0.2.10:80:
 * EEXIST (destination already exists)`.
 */
import { errnoName } from '../netlink/errno.js';
import type { IpvsOp } from './ops.js';

/** What a kernel errno means for a given kind of operation. */
function hint(op: IpvsOp['type'] | 'read', code: string): string | undefined {
  const isDest = op.endsWith('-destination');
  const isService = op.endsWith('-service');
  switch (code) {
    case 'EEXIST':
      if (op === 'start-daemon') return 'sync daemon already running';
      return isDest ? 'destination already exists' : 'service already exists';
    case 'ESRCH':
      return 'no such service';
    case 'ENOENT':
      if (isDest) return 'no such destination';
      if (isService) return 'scheduler or persistence engine not available in this kernel';
      return 'not found';
    case 'EPERM':
    case 'EACCES':
      return 'IPVS changes need root or CAP_NET_ADMIN';
    case 'ERANGE':
      return 'value out of range (weight, or lower threshold above upper)';
    case 'EINVAL':
      return isDest
        ? 'kernel refused the destination (address not unicast in this namespace, family or forwarding mismatch, or missing tunnel port)'
        : 'kernel refused the request as invalid';
    case 'EAFNOSUPPORT':
      return 'address family not supported by this kernel';
    case 'ETIMEDOUT':
      return 'no answer from the kernel in time; the outcome is unknown';
    case 'ENOBUFS':
      return 'replies were lost (receive buffer overflow); the outcome is unknown';
    case 'ECANCELED':
      return 'the IPVS socket was closed first';
    default:
      return undefined;
  }
}

/** The kernel (or the socket) refused or lost one operation. */
export class IpvsError extends Error {
  /** Positive errno, e.g. 17. */
  readonly errno: number;
  /** Errno name, e.g. `EEXIST`. */
  readonly code: string;
  /** What was attempted, e.g. `add service TCP 192.0.2.10:80`. */
  readonly operation: string;

  constructor(errno: number, operation: string, opType: IpvsOp['type'] | 'read' = 'read') {
    const code = errnoName(errno);
    const h = hint(opType, code);
    super(`${operation}: ${code}${h ? ` (${h})` : ''}`);
    this.name = 'IpvsError';
    this.errno = errno;
    this.code = code;
    this.operation = operation;
  }
}

/** IPVS cannot be used here at all: no module, no privileges. */
export class IpvsUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: 'no-ipvs' | 'permission' | 'netns',
  ) {
    super(message);
    this.name = 'IpvsUnavailableError';
  }
}

/** Input refused before anything was sent; every problem names its field and value. */
export class IpvsValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'IpvsValidationError';
  }
}
