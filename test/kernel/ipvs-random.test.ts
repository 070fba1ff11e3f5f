import { describe, expect, it } from 'vitest';
import { formatSave } from '../../src/ipvs/ipvsadm/format.js';
import { numericNames } from '../../src/ipvs/ipvsadm/names.js';
import { parseRules } from '../../src/ipvs/ipvsadm/rules.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { SCHEDULERS as ALL_SCHEDULERS } from '../../src/ipvs/model.js';
import { anycastd } from '../lab/cli.js';
import { useNetnsLab } from '../lab/vitest.js';
import { kernelHasScheduler } from './ipvs-fixture.js';
import { prng, Random, randomRuleSet } from './random-rules.js';

const SETS = Number(process.env.ANYCASTD_RANDOM_SETS ?? 200);
const SEED = Number(process.env.ANYCASTD_RANDOM_SEED ?? Date.now() % 2 ** 31);
/** Every scheduler this kernel ships (the lab's 6.1 kernel has no twos). */
const SCHEDULERS = ALL_SCHEDULERS.filter(kernelHasScheduler);
/** List variants compared in turn, two per rule set. */
const VARIANTS: string[][] = [
  ['-n'],
  ['-n', '--stats'],
  ['-n', '--rate'],
  ['-n', '--thresholds'],
  ['-n', '--persistent-conn'],
  ['-n', '--tun-info'],
  ['-n', '--stats', '--exact'],
  ['-n', '--nosort'],
  [],
];

/** `ipvsadm -S` output as sorted service blocks (a service line and its real servers). */
function serviceBlocks(saved: string): string[] {
  return saved
    .split(/^(?=-A )/m)
    .filter(Boolean)
    .sort();
}

describe(`random rule sets (seed ${SEED}, ANYCASTD_RANDOM_SEED reproduces a run)`, () => {
  const lab = useNetnsLab();

  it(`${SETS} rule sets: our client and ipvsadm -R build the same table, and we print it as ipvsadm does`, async () => {
    const ours = await lab().namespace('ours');
    const theirs = await lab().namespace('theirs');
    const client = await IpvsClient.open({ netns: ours.name });
    const clientTheirs = await IpvsClient.open({ netns: theirs.name });
    const r = new Random(prng(SEED));
    let lines = 0;
    let compared = 0;
    try {
      for (let set = 0; set < SETS; set++) {
        const rules = randomRuleSet(r, SCHEDULERS);
        lines += rules.lines;
        const context = `seed ${SEED}, set ${set}:\n${rules.text}`;

        const parsed = await parseRules(rules.text);
        expect(parsed.errors, context).toEqual([]);
        await client.apply(parsed.ops.map((o) => o.op));
        await theirs.run('ipvsadm', ['-R'], { input: rules.text, allowFailure: true });

        const savedOurs = (await ours.run('ipvsadm', ['-S', '-n'])).stdout;
        const savedTheirs = (await theirs.run('ipvsadm', ['-S', '-n'])).stdout;
        // Same table in both namespaces. Compared as a set of service blocks:
        // the kernel hashes services with the namespace's address, so the dump
        // order differs, and ipvsadm's non-transitive sort keeps part of it.
        expect(serviceBlocks(savedOurs), `same kernel table, ${context}`).toEqual(
          serviceBlocks(savedTheirs),
        );
        expect(
          formatSave(await client.dump(), { numeric: true, nosort: false }, numericNames),
          context,
        ).toBe(savedOurs);

        for (const variant of [
          VARIANTS[(2 * set) % VARIANTS.length],
          VARIANTS[(2 * set + 1) % VARIANTS.length],
        ]) {
          const args = variant as string[];
          const expected = (await theirs.run('ipvsadm', ['-L', ...args])).stdout;
          const got = await anycastd(['ipvs', 'list', ...args, '--netns', theirs.name]);
          expect(got.stderr, context).toBe('');
          expect(got.stdout, `ipvsadm -L ${args.join(' ')}, ${context}`).toBe(expected);
          compared++;
        }
        await client.flush();
        await clientTheirs.flush();
      }
    } finally {
      client.close();
      clientTheirs.close();
    }
    console.log(
      `random rule sets: ${SETS} sets, ${lines} rule lines, ${compared} listings compared (seed ${SEED})`,
    );
  }, 1_800_000);
});
