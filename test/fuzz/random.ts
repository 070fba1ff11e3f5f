/** A seeded generator (mulberry32): the same seed gives the same inputs, so a failure can be replayed. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed of this run: $ANYCASTD_FUZZ_SEED, or a fixed one so that CI runs repeat. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ANYCASTD_FUZZ_SEED;
  if (raw === undefined || raw === '') return 20261203;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`ANYCASTD_FUZZ_SEED=${raw} is not a whole number or "random"`);
  return n;
}
