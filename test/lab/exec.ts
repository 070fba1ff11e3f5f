/**
 * Runs a program to completion and returns what it printed. A non-zero exit
 * is an error carrying the command line and both outputs, so a failing lab
 * step says exactly what it ran and what the tool answered.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface RunOptions {
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  /** Kill the program (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandFailed extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    super(
      `${argv.join(' ')} exited with ${result.code}` +
        (result.stderr.trim() ? `: ${result.stderr.trim()}` : '') +
        (result.stdout.trim() ? `\nstdout: ${result.stdout.trim()}` : ''),
    );
    this.name = 'CommandFailed';
  }
}

export function run(
  command: string,
  args: readonly string[] = [],
  options: RunOptions = {},
): Promise<RunResult> {
  const argv = [command, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${argv.join(' ')}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      };
      if (result.code !== 0 && !options.allowFailure) reject(new CommandFailed(argv, result));
      else resolve(result);
    });
    child.stdin.on('error', () => {
      // The program may exit without reading its input; that is its answer.
    });
    child.stdin.end(options.input ?? '');
  });
}
