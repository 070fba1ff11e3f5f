/**
 * TCP check: connect, optionally send a payload and wait for an expected one,
 * then close with a reset (SO_LINGER 0) so no TIME_WAIT piles up on the
 * director at thousands of checks per second. A plain connect check goes
 * through the connect poller (./connect/), much cheaper than a net.Socket;
 * payload checks, and every check where libc cannot be reached, use
 * net.Socket.
 */
import { formatDuration } from '../../input/duration.js';
import { Socket } from 'node:net';
import {
  type Probe,
  type ProbeResult,
  type ProbeRun,
  errnoReason,
  errorReason,
  fail,
  pass,
} from '../probe.js';
import type { TcpProbe } from '../spec.js';
import {
  type ConnectPoller,
  type ConnectTarget,
  connectPoller,
  connectTarget,
} from './connect/poller.js';

/**
 * Results are shared, not made per run: each is held until the next run (an
 * interval), long enough to be promoted out of V8's young generation, and at
 * ten thousand checks a second that garbage would pile up between full
 * collections.
 */
const CONNECTED: ProbeResult = Object.freeze(pass('connected'));
const byErrno = new Map<number, ProbeResult>();
function refused(errno: number): ProbeResult {
  let r = byErrno.get(errno);
  if (!r) byErrno.set(errno, (r = Object.freeze(fail(errnoReason(errno)))));
  return r;
}

/** Bytes kept while looking for the expected reply. */
const MAX_REPLY = 64 * 1024;

export function tcpProbe(spec: TcpProbe): Probe {
  const { address, port, source } = spec.target;
  const options =
    source === undefined ? { host: address, port } : { host: address, port, localAddress: source };
  const send = spec.send && Buffer.from(spec.send);
  const expect = spec.expect && Buffer.from(spec.expect);
  const poller = send || expect ? undefined : connectPoller();
  let timedOut: ProbeResult | undefined;
  const target = poller && connectTarget(address, port, source);

  function viaSocket(run: ProbeRun): Promise<ProbeResult> {
    return new Promise((resolve) => {
      const socket = new Socket();
      let done = false;
      let connected = false;
      let received: Buffer | undefined;
      const finish = (result: ProbeResult) => {
        if (done) return;
        done = true;
        // A reset needs an open connection; a connect still pending (or
        // failed) is just dropped, or it would linger until it completes.
        if (connected && !socket.destroyed) socket.resetAndDestroy();
        else socket.destroy();
        resolve(result);
      };
      run.onExpire(() =>
        finish(
          fail(
            `timeout after ${formatDuration(run.timeoutMs)}${received ? ' waiting for reply' : ''}`,
          ),
        ),
      );
      socket.on('error', (err) => finish(fail(errorReason(err))));
      socket.once('connect', () => {
        connected = true;
        if (send) socket.write(send);
        if (!expect) {
          finish(CONNECTED);
          return;
        }
        received = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received as Buffer, chunk]);
          if (received.includes(expect)) finish(pass('expected reply received'));
          else if (received.length > MAX_REPLY) {
            finish(fail(`no expected reply in the first ${MAX_REPLY} bytes`));
          }
        });
        socket.once('end', () =>
          finish(
            fail(
              `connection closed after ${received?.length ?? 0} bytes without the expected reply`,
            ),
          ),
        );
      });
      socket.connect(options);
    });
  }

  function viaPoller(p: ConnectPoller, t: ConnectTarget, run: ProbeRun): Promise<ProbeResult> {
    return new Promise((resolve) => {
      let settled = false;
      const handle = p.connect(t, (errno) => {
        settled = true;
        resolve(errno === 0 ? CONNECTED : refused(errno));
      });
      run.onExpire(() => {
        if (settled) return;
        settled = true;
        p.cancel(handle);
        resolve(
          (timedOut ??= Object.freeze(fail(`timeout after ${formatDuration(run.timeoutMs)}`))),
        );
      });
    });
  }

  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      return poller && target ? viaPoller(poller, target, run) : viaSocket(run);
    },
    close() {},
  };
}
