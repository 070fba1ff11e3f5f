/**
 * The CLI's single entry: resolve argv to a command, run it, and map every
 * outcome to an exit code. Never calls process.exit, so tests can drive it.
 */
import { CliError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { type LogFormat, type Logger, createLogger, isLogFormat, isLogLevel } from '../log.js';
import type { CliContext, Command, CommandInput, OptionSpecs } from './command.js';
import { renderHelp } from './help.js';
import { resolve } from './parse.js';

export interface CliIo {
  stdout: CliContext['stdout'];
  stderr: CliContext['stderr'];
  stdin: CliContext['stdin'];
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  stopped?: () => void;
  /** Builds the logger once the level is known; tests pass a silent one. */
  makeLogger?: (level: string, format: LogFormat) => Logger;
}

export async function runCli(root: Command, argv: readonly string[], io: CliIo): Promise<number> {
  let resolved: ReturnType<typeof resolve>;
  try {
    resolved = resolve(root, argv);
  } catch (error) {
    return reportUsage(root, error, io);
  }
  if (resolved.help || !resolved.command.run) {
    const out = resolved.help ? io.stdout : io.stderr;
    out.write(renderHelp(resolved.path));
    return resolved.help ? ExitCode.Ok : ExitCode.Usage;
  }
  const envLevel = io.env.ANYCASTD_LOG_LEVEL;
  const level = resolved.logLevel ?? (envLevel && isLogLevel(envLevel) ? envLevel : 'info');
  const envFormat = io.env.ANYCASTD_LOG_FORMAT;
  const format: LogFormat =
    resolved.logFormat && isLogFormat(resolved.logFormat)
      ? resolved.logFormat
      : envFormat && isLogFormat(envFormat)
        ? envFormat
        : 'isTTY' in io.stderr && io.stderr.isTTY === true
          ? 'text'
          : 'json';
  const makeLogger =
    io.makeLogger ??
    ((l: string, f: LogFormat) => createLogger({ level: isLogLevel(l) ? l : 'info', format: f }));
  // Built on first use: most commands never log, and the logger is costly to start.
  let log: Logger | undefined;
  const ctx: CliContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    get stdin() {
      return io.stdin;
    },
    env: io.env,
    signal: io.signal,
    ...(io.stopped ? { stopped: io.stopped } : {}),
    get log() {
      log ??= makeLogger(level, format);
      return log;
    },
  };
  try {
    const input = { options: resolved.options, args: resolved.args } as CommandInput<OptionSpecs>;
    return await resolved.command.run(input, ctx);
  } catch (error) {
    if (error instanceof UsageError) return reportUsage(root, error, io);
    if (error instanceof CliError) {
      io.stderr.write(`anycastd: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.log.debug({ event: 'command_failed', err: error }, message);
    io.stderr.write(`anycastd: ${message}\n`);
    return ExitCode.Failure;
  }
}

function reportUsage(root: Command, error: unknown, io: CliIo): number {
  if (!(error instanceof UsageError)) throw error;
  const where = error.commandPath || root.name;
  io.stderr.write(`${where}: ${error.message}\nRun '${where} --help' for usage.\n`);
  return ExitCode.Usage;
}
