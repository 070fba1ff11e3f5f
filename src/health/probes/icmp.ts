/**
 * ICMP echo check: one echo request to the target, up when its reply comes
 * back within the timeout. Requests go through the process's shared raw
 * socket for the family and source (./icmp/pinger.ts).
 */
import { isIP } from 'node:net';
import { type Probe, type ProbeResult, type ProbeRun, fail, pass } from '../probe.js';
import type { IcmpProbe } from '../spec.js';
import { pinger } from './icmp/pinger.js';

export function icmpProbe(spec: IcmpProbe): Probe {
  const { address, source } = spec.target;
  const v6 = isIP(address) === 6;
  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      const p = pinger(v6, source);
      if (typeof p === 'string') return Promise.resolve(fail(p));
      return new Promise((resolve) => {
        const handle = p.ping(address, spec.size, (r) =>
          resolve(r.ok ? pass(`echo reply in ${r.ms.toFixed(1)} ms`) : fail(r.reason)),
        );
        run.onExpire(() => {
          p.cancel(handle);
          resolve(fail(`no echo reply within ${run.timeoutMs} ms`));
        });
      });
    },
    close() {},
  };
}
