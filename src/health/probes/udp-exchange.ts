/**
 * One datagram out and one back, from a connected socket (optionally bound to
 * a source address), for the UDP and DNS checks. Connected, the kernel hands
 * back an ICMP port-unreachable as ECONNREFUSED, so a closed port fails at
 * once instead of at the timeout.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { type ProbeResult, type ProbeRun, errorReason, fail } from '../probe.js';
import type { Target } from '../spec.js';

export function udpExchange(
  target: Target,
  payload: Buffer,
  run: ProbeRun,
  judge: (reply: Buffer) => ProbeResult,
  onSilence: () => ProbeResult,
): Promise<ProbeResult> {
  const { address, port, source } = target;
  return new Promise((resolve) => {
    const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      socket.close();
      resolve(result);
    };
    run.onExpire(() => finish(onSilence()));
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
}
