import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { minimalConfig } from './minimal.js';

describe('notify in the configuration', () => {
  it('defaults to both events, nobody and 10 s; refuses a shell string and unknown events', () => {
    expect(
      parseConfig(minimalConfig({}, { notify: [{ command: ['/usr/local/bin/page'] }] })).config
        ?.notify,
    ).toEqual([
      {
        command: ['/usr/local/bin/page'],
        on: ['vip', 'real'],
        user: 'nobody',
        group: undefined,
        timeoutMs: 10_000,
        env: {},
      },
    ]);
    const problems = (notify: unknown) =>
      (parseConfig(minimalConfig({}, { notify })).issues ?? []).map(
        (i) => `${i.path}: ${i.message}`,
      );
    expect(problems([{ command: '/bin/page $VIP' }])).toEqual([
      'notify[0].command: must be a list, got "/bin/page $VIP"',
    ]);
    expect(problems([{ command: ['/x'], on: ['quorum'] }])).toEqual([
      'notify[0].on[0]: must be one of "vip", "real", got "quorum"',
    ]);
  });
});
