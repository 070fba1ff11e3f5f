#!/usr/bin/env node
/**
 * Process entry: argv in, exit code out. Owns the process-level concerns that
 * nothing else may touch: signals and the final exit.
 */
import { runCli } from './cli/run-cli.js';
import { rootCommand } from './cli/root.js';
import { ExitCode } from './exit-codes.js';

// Older runtimes fail later and obscurely (a missing export of node:fs/promises): say so first.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `anycastd: needs Node.js 24 or later, and this is ${process.versions.node} (${process.execPath})\n`,
  );
  process.exit(ExitCode.Environment);
}

const controller = new AbortController();
let stopping: number | undefined;
let stoppedCleanly = false;
const onSignal = (code: number) => () => {
  // A second signal while stopping means "now": exit without waiting.
  if (stopping !== undefined) process.exit(code);
  stopping = code;
  controller.abort();
};
process.on('SIGINT', onSignal(ExitCode.Interrupted));
process.on('SIGTERM', onSignal(ExitCode.Terminated));

const code = await runCli(rootCommand, process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // process.stdin is built on first access, which is slow for a TTY: only
  // commands that read input touch it.
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  signal: controller.signal,
  stopped: () => {
    stoppedCleanly = true;
  },
});
process.exitCode = stoppedCleanly && code === ExitCode.Ok ? code : (stopping ?? code);
// The command is done. Anything still holding the event loop open (a child
// process or timer a failed start left behind) must not keep a finished
// command, above all a daemon that failed to start, alive unseen.
setTimeout(() => {
  process.stderr.write('anycastd: exiting; work left pending after the command ended\n');
  process.exit();
}, 5000).unref();
