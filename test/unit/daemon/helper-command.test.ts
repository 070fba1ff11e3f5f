import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HelperFailed, runHelper } from '../../../src/daemon/helper-command.js';

const pgidOf = (pid: number | string) =>
  execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)])
    .toString()
    .trim();

describe('daemon helper commands', () => {
  it('run in a process group of their own, out of reach of a signal to anycastd’s group', async () => {
    const r = await runHelper('sh', ['-c', 'ps -o pgid= -p $$']);
    const helperGroup = r.stdout.trim();
    expect(helperGroup).toMatch(/^\d+$/);
    expect(helperGroup).not.toBe(pgidOf(process.pid));
  });

  it('fail with the exit code and what the program printed on stderr', async () => {
    const err = await runHelper('sh', ['-c', 'echo "Device does not exist." >&2; exit 1']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HelperFailed);
    expect(err).toMatchObject({ code: 1, stderr: 'Device does not exist.\n' });
    expect((err as Error).message).toContain('Command failed: sh -c');
  });

  it('fail naming the program when it cannot be started', async () => {
    await expect(runHelper('/nonexistent/ip', ['addr'])).rejects.toThrow(
      'Command failed: /nonexistent/ip addr: spawn /nonexistent/ip ENOENT',
    );
  });
});
