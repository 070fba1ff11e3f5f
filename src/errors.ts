/**
 * Errors that carry their own exit code, so a command can fail with the right
 * status from any depth without the CLI layer guessing.
 */
import { ExitCode } from './exit-codes.js';

/** A failure the user can act on; `message` is shown as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line itself is wrong. */
export class UsageError extends CliError {
  constructor(
    message: string,
    /** The command path whose help explains the right usage, e.g. `ipvs list`. */
    readonly commandPath: string = '',
  ) {
    super(message, ExitCode.Usage);
    this.name = 'UsageError';
  }
}
