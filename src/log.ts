/**
 * The process-wide pino logger. Logs are events on stderr (stdout belongs to
 * command output), JSON lines with the level by name (as journald and log
 * shippers read them) or text for a terminal; components take a child logger
 * with a `component` key and log stable `event` names.
 */
import { writeSync } from 'node:fs';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { formatLogLine } from './log-text.js';

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

export const logFormats = ['json', 'text'] as const;
export type LogFormat = (typeof logFormats)[number];

export function isLogFormat(value: string): value is LogFormat {
  return (logFormats as readonly string[]).includes(value);
}

export interface LoggerOptions {
  level: LevelWithSilent;
  /** `json` when absent. */
  format?: LogFormat;
  /** Where the lines go; stderr when absent. */
  destination?: DestinationStream;
}

/** Text lines on a file descriptor (synchronously, as pino's own destination writes) or a stream. */
function textDestination(to: number | DestinationStream): DestinationStream {
  return typeof to === 'number'
    ? { write: (line: string) => void writeSync(to, formatLogLine(line)) }
    : { write: (line: string) => void to.write(formatLogLine(line)) };
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
      // Secrets that config objects may carry (BGP MD5 passwords, API tokens)
      // never reach a log line.
      redact: {
        paths: ['password', 'token', '*.password', '*.token', '*.*.password', '*.*.token'],
        censor: '[redacted]',
      },
    },
    options.format === 'text'
      ? textDestination(options.destination ?? 2)
      : (options.destination ?? pino.destination({ fd: 2, sync: true })),
  );
}
