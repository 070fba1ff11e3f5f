import { describe, expect, it } from 'vitest';
import { Progress, progressText } from '../../../src/cli/progress.js';

describe('progress on a terminal', () => {
  it('says count, share, rate and time left', () => {
    expect(progressText('restore', 45_000, 110_001, 39_130)).toBe(
      'restore: 45,000 of 110,001 (40 %), 1,150/s, about 57 s left',
    );
    expect(progressText('restore', 1000, 1_000_000, 1000)).toBe(
      'restore: 1,000 of 1,000,000 (0 %), 1,000/s, about 17 min left',
    );
    expect(progressText('restore', 0, 10, 2000)).toBe('restore: 0 of 10 (0 %), 0/s');
  });

  it('draws only after a second, at most four times a second, and erases itself', () => {
    let t = 0;
    const written: string[] = [];
    const p = new Progress({ isTTY: true, write: (s) => written.push(s) }, 'restore', 100, () => t);
    p.update(10);
    t = 900;
    p.update(20);
    expect(written).toEqual([]);
    t = 1000;
    p.update(30);
    t = 1100;
    p.update(40);
    t = 1300;
    p.update(50);
    p.end();
    expect(written).toEqual([
      '\r\x1b[Krestore: 30 of 100 (30 %), 30/s, about 3 s left',
      '\r\x1b[Krestore: 50 of 100 (50 %), 38/s, about 2 s left',
      '\r\x1b[K',
    ]);
  });

  it('writes nothing when the stream is not a terminal', () => {
    let t = 0;
    const written: string[] = [];
    const p = new Progress({ write: (s) => written.push(s) }, 'restore', 100, () => t);
    t = 5000;
    p.update(50);
    p.end();
    expect(written).toEqual([]);
  });
});
