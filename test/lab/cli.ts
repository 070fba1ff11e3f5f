/** Runs the anycastd CLI in-process, as a test would run the program, and captures its output. */
import { PassThrough, Readable } from 'node:stream';
import { rootCommand } from '../../src/cli/root.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createLogger } from '../../src/log.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `signal` stands for SIGINT/SIGTERM: aborting it stops a long-running command. */
export async function anycastd(
  argv: readonly string[],
  stdin = '',
  signal: AbortSignal = new AbortController().signal,
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const code = await runCli(rootCommand, argv, {
    stdout,
    stderr,
    stdin: Readable.from([Buffer.from(stdin)]),
    env: {},
    signal,
    makeLogger: () => createLogger({ level: 'silent' }),
  });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
