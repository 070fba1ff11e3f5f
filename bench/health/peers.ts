/**
 * The peer the health benchmark compares against: the same checks written
 * the obvious way on Node's standard library (`net.connect` then `destroy`,
 * `http.get` without keep-alive), run by the same engine on the same
 * targets, so the difference is the probe implementation alone.
 */
import { get } from 'node:http';
import { connect } from 'node:net';
import { type Probe, type ProbeResult, type ProbeRun, fail, pass } from '../../src/health/probe.js';
import type { ProbeSpec } from '../../src/health/spec.js';

export function naiveProbe(spec: ProbeSpec): Probe {
  const { address, port } = spec.target;
  if (spec.type === 'tcp') {
    return {
      run: (run: ProbeRun) =>
        new Promise<ProbeResult>((resolve) => {
          const s = connect({ host: address, port });
          run.onExpire(() => {
            s.destroy();
            resolve(fail('timeout'));
          });
          s.once('connect', () => {
            s.destroy();
            resolve(pass('connected'));
          });
          s.once('error', (e) => resolve(fail(e.message)));
        }),
      close() {},
    };
  }
  if (spec.type === 'http') {
    return {
      run: (run: ProbeRun) =>
        new Promise<ProbeResult>((resolve) => {
          const req = get({ host: address, port, path: spec.path, agent: false }, (res) => {
            res.resume();
            res.once('end', () =>
              resolve(res.statusCode === 200 ? pass('200') : fail(String(res.statusCode))),
            );
          });
          run.onExpire(() => {
            req.destroy();
            resolve(fail('timeout'));
          });
          req.once('error', (e) => resolve(fail(e.message)));
        }),
      close() {},
    };
  }
  throw new Error(`no naive probe for ${spec.type}`);
}
