/**
 * The process-wide pino logger. Logs are JSON events on stderr (stdout belongs
 * to command output); components take a child logger with a `component` key
 * and log stable `event` names.
 */
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

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

export function createLogger(options: LoggerOptions): Logger {
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
