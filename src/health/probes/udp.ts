/**
 * UDP check: send a datagram from a connected socket and judge the reply
 * (exact, prefix or regex), or accept silence when configured. A connected
 * socket is what makes the kernel hand back the ICMP port-unreachable as
 * ECONNREFUSED, so a closed port is down at once instead of at the timeout.
 */
import { type Socket, createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import {
  type Probe,
  type ProbeResult,
  type ProbeRun,
  errorReason,
  fail,
  ms,
  pass,
} from '../probe.js';
import type { UdpProbe } from '../spec.js';

export function udpProbe(spec: UdpProbe): Probe {
  const { address, port, source } = spec.target;
  const type = isIP(address) === 6 ? 'udp6' : 'udp4';
  const payload = Buffer.from(spec.send);

  function judge(reply: Buffer): ProbeResult {
    const expect = spec.expect;
    if (expect === undefined) return pass(`reply of ${reply.length} bytes`);
    if (expect instanceof RegExp) {
      return expect.test(reply.toString('latin1'))
        ? pass('reply matches')
        : fail(`reply does not match ${String(expect)}`);
    }
    const want = Buffer.from(expect);
    const ok =
      spec.match === 'exact' ? reply.equals(want) : reply.subarray(0, want.length).equals(want);
    return ok ? pass('expected reply') : fail(`unexpected reply of ${reply.length} bytes`);
  }

  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      return new Promise((resolve) => {
        const socket: Socket = createSocket(type);
        let done = false;
        const finish = (result: ProbeResult) => {
          if (done) return;
          done = true;
          socket.close();
          resolve(result);
        };
        run.onExpire(() =>
          finish(
            spec.silenceIsUp
              ? pass('no reply (silence accepted)')
              : fail(`no reply within ${ms(run.timeoutMs)}`),
          ),
        );
        socket.on('error', (err: NodeJS.ErrnoException) =>
          finish(fail(err.code === 'ECONNREFUSED' ? 'ICMP port unreachable' : errorReason(err))),
        );
        socket.on('message', (reply) => finish(judge(reply)));
        const connect = () =>
          socket.connect(port, address, () => {
            if (!done) socket.send(payload);
          });
        if (source === undefined) connect();
        else socket.bind({ address: source, port: 0 }, connect);
      });
    },
    close() {},
  };
}
