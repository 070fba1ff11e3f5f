/**
 * A real server with several checks (keepalived's several checkers): up
 * while every check passes, down as soon as one fails, at the lowest weight
 * any check sets; and judged afresh when a reload changes how many it has.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import type { HealthEvent } from '../../../src/health/engine.js';
import { createLogger } from '../../../src/log.js';
import { minimalConfig } from '../config/minimal.js';
import { FakeAddresses, FakeIpvs, FakeRoutes } from './fakes.js';

const TWO = [
  { type: 'tcp', port: 80 },
  { type: 'http', port: 8080, path: '/ready' },
];
const configWith = (checks: unknown) =>
  parseConfigOrThrow(
    minimalConfig({ reals: [{ address: '10.1.0.1', check: checks }, { address: '10.1.0.2' }] }),
  );

function setup() {
  const events: string[] = [];
  const ipvs = new FakeIpvs(events);
  let emit: (e: HealthEvent) => void = () => {};
  const ids: string[][] = [];
  const states = new Map<string, HealthEvent>();
  const daemon = new Daemon({
    config: configWith(TWO),
    log: createLogger({ level: 'silent' }),
    openIpvs: async () => ipvs,
    routes: new FakeRoutes(events),
    health: (onEvent) => {
      emit = onEvent;
      return {
        update: (checks) => void ids.push([...checks].map(([id]) => id)),
        status: (id) => {
          const e = states.get(id);
          return e && { status: e.to, weight: e.weight, reason: e.reason };
        },
        stop: async () => {},
      };
    },
    gate: { holdDownMs: 0 },
    addresses: new FakeAddresses(events),
  });
  const check = async (id: string, to: 'up' | 'down', weight?: number) => {
    const e = { id, from: 'unknown' as const, to, reason: to, weight };
    states.set(id, e);
    emit(e);
    await daemon.settled();
  };
  const real = () => daemon.status().reals.find((r) => r.address === '10.1.0.1');
  return { daemon, ipvs, ids, check, real };
}

describe('several checks per real server', () => {
  it('are one check id each; the real server is up only while all pass', async () => {
    const { daemon, ipvs, ids, check, real } = setup();
    await daemon.start();
    expect(ids[0]).toEqual(['web 10.1.0.1:0', 'web 10.1.0.1:0#2', 'web 10.1.0.2:0']);
    await check('web 10.1.0.2:0', 'up');
    await check('web 10.1.0.1:0', 'up');
    // One of two has passed: no verdict yet, still at weight 0.
    expect(real()?.state).toBe('unknown');
    expect(ipvs.weights()['10.1.0.1']).toBe(0);
    await check('web 10.1.0.1:0#2', 'up');
    expect(real()).toMatchObject({ state: 'up', reason: 'check 1: up; check 2: up' });
    expect(ipvs.weights()['10.1.0.1']).toBe(1);
    // Reaching the first verdict through unknown is not a change to show.
    expect(real()?.history).toBeUndefined();
    await check('web 10.1.0.1:0#2', 'down');
    expect(real()).toMatchObject({ state: 'down', reason: 'check 2: down' });
    expect(ipvs.weights()['10.1.0.1']).toBe(0);
    expect(real()?.history).toEqual([
      { at: expect.any(String) as string, from: 'up', to: 'down', reason: 'check 2: down' },
    ]);
    await check('web 10.1.0.1:0#2', 'up', 7);
    await check('web 10.1.0.1:0', 'up', 3);
    expect(ipvs.weights()['10.1.0.1']).toBe(3);
    await daemon.stop('withdraw');
  });

  it('a reload to one check takes the state of that check, not the combination', async () => {
    const { daemon, ipvs, check, real } = setup();
    await daemon.start();
    await check('web 10.1.0.2:0', 'up');
    await check('web 10.1.0.1:0', 'up');
    await check('web 10.1.0.1:0#2', 'down');
    expect(real()?.state).toBe('down');
    daemon.reload(configWith({ type: 'tcp', port: 80 }));
    await daemon.settled();
    expect(real()?.state).toBe('up');
    expect(ipvs.weights()['10.1.0.1']).toBe(1);
    await daemon.stop('withdraw');
  });

  it('refuses a single check below a list, and an empty list, naming the field', () => {
    expect(() =>
      parseConfigOrThrow(
        minimalConfig({ check: TWO, reals: [{ address: '10.1.0.1', check: { port: 81 } }] }),
      ),
    ).toThrow(
      'services[0].reals[0].check: cannot refine the list of checks at services[0].check: give a list here too',
    );
    expect(() => configWith([])).toThrow('services[0].reals[0].check: must list at least 1 check');
  });
});
