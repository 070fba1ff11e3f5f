/**
 * The process-wide pino logger. Logs are JSON events on stderr (stdout belongs
 * to command output); components take a child logger with a `component` key
 * and log stable `event` names.
 */
import { createRequire } from 'node:module';
import type { DestinationStream, LevelWithSilent, Logger, pino as Pino } from 'pino';

export type { Logger } from 'pino';

export const logLevels: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export function isLogLevel(value: string): value is LevelWithSilent {
  return (logLevels as readonly string[]).includes(value);
}

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where JSON lines go; stderr when absent. */
  destination?: DestinationStream;
}

/** pino is loaded on the first logger: it costs start-up time that short commands need not pay. */
function loadPino(): typeof Pino {
  return (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino;
}

export function createLogger(options: LoggerOptions): Logger {
  const pino = loadPino();
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      // Secrets that config objects may carry (BGP MD5 passwords, API tokens)
      // never reach a log line.
      redact: {
        paths: ['password', 'token', '*.password', '*.token', '*.*.password', '*.*.token'],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
