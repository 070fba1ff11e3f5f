/**
 * Process exit codes of every anycastd command. They are part of the CLI's
 * contract (scripts and supervisors branch on them) and are listed in the
 * README and in `anycastd --help`.
 */
export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** The command ran and failed (an operation was refused or went wrong). */
  Failure: 1,
  /** The command line was wrong: unknown command or option, bad value. */
  Usage: 2,
  /** An input (config file, rules) was rejected; nothing was applied. */
  InvalidInput: 3,
  /** The environment lacks something: privileges, kernel support, a program. */
  Environment: 4,
  /** Stopped by SIGINT (128 + 2). */
  Interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  Terminated: 143,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line per code, for help texts and the README. */
export const exitCodeHelp: readonly (readonly [number, string])[] = [
  [ExitCode.Ok, 'success'],
  [ExitCode.Failure, 'the operation failed'],
  [ExitCode.Usage, 'bad command line (unknown command or option, bad value)'],
  [ExitCode.InvalidInput, 'invalid input (config or rules); nothing was applied'],
  [ExitCode.Environment, 'missing privilege, kernel support or program'],
  [ExitCode.Interrupted, 'interrupted (SIGINT)'],
  [ExitCode.Terminated, 'terminated (SIGTERM)'],
];
