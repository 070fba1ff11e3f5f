/**
 * The command model of the CLI: each subcommand declares its options and
 * positionals once, and parsing, validation and `--help` all come from that
 * declaration. Parsing itself is Node's `util.parseArgs` in strict mode.
 */
import type { Writable } from 'node:stream';
import type { Logger } from '../log.js';

interface OptionBase {
  /** One-letter alias, without the dash. */
  short?: string;
  description: string;
}

export interface BooleanOption extends OptionBase {
  type: 'boolean';
}

export interface StringOption extends OptionBase {
  type: 'string';
  /** Placeholder shown in help, e.g. `FILE`. */
  valueName?: string;
  default?: string;
  /** When set, any other value is a usage error naming the value. */
  choices?: readonly string[];
  multiple?: boolean;
}

export type OptionSpec = BooleanOption | StringOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Takes every remaining argument; only the last positional may be variadic. */
  variadic?: boolean;
}

/** The parsed value type of one option. */
export type OptionValue<S extends OptionSpec> = S extends BooleanOption
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : S extends { default: string }
      ? string
      : string | undefined;

export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: OptionValue<O[K]>;
};

export interface CommandInput<O extends OptionSpecs> {
  options: OptionValues<O>;
  /** Positionals by name; a variadic one holds all remaining arguments. */
  args: Record<string, string[]>;
}

/** What a command may touch: output streams, the logger and the environment. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop when it fires. */
  signal: AbortSignal;
  /**
   * Called by a command that finished the orderly stop a signal asked for
   * (the daemon): the process then exits 0, not 130 or 143, as service
   * managers expect of a clean stop.
   */
  stopped?: () => void;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** One line, shown in the parent's command list. */
  summary: string;
  /** Paragraphs shown in this command's help. */
  description?: string;
  options?: O;
  positionals?: readonly PositionalSpec[];
  examples?: readonly string[];
  subcommands?: readonly Command[];
  /** Resolves to the exit code. Absent on pure groups such as `ipvs`. */
  run?: (input: CommandInput<O>, ctx: CliContext) => Promise<number>;
}

/**
 * Identity function that keeps the option types of a command literal, so that
 * `run` sees `options.config` as `string | undefined` rather than a union.
 */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command {
  return command as unknown as Command;
}

/** Where `run` and `validate` look without `--config`: the Debian package's conffile. */
export const DEFAULT_CONFIG = '/etc/anycastd/anycastd.yaml';

/** `--config FILE`, as every command that reads a configuration takes it. */
export const configOption = {
  type: 'string',
  short: 'c',
  valueName: 'FILE',
  description: 'the configuration file',
} as const;
