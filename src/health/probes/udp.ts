/**
 * UDP check: send a datagram and judge the reply (exact, prefix or regex), or
 * accept silence when configured; an ICMP port-unreachable fails at once.
 */
import { formatDuration } from '../../input/duration.js';
import { type Probe, type ProbeResult, type ProbeRun, fail, pass } from '../probe.js';
import type { UdpProbe } from '../spec.js';
import { udpExchange } from './udp-exchange.js';

export function udpProbe(spec: UdpProbe): Probe {
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
      return udpExchange(spec.target, payload, run, judge, () =>
        spec.silenceIsUp
          ? pass('no reply (silence accepted)')
          : fail(`no reply within ${formatDuration(run.timeoutMs)}`),
      );
    },
    close() {},
  };
}
