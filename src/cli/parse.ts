/**
 * Turns argv into (command, parsed input). Pure: no output, no exit; every
 * problem is a UsageError naming the offending word and the command whose
 * help explains the right usage.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { Command, OptionSpec, OptionSpecs } from './command.js';

/** Options every command accepts. */
export const globalOptions = {
  help: { type: 'boolean', short: 'h', description: 'show help for this command and exit' },
  'log-level': {
    type: 'string',
    valueName: 'LEVEL',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'log level of the log on stderr (default: info, or $ANYCASTD_LOG_LEVEL)',
  },
  'log-format': {
    type: 'string',
    valueName: 'FORMAT',
    choices: ['json', 'text'],
    description:
      'log format: json lines, or text for a terminal (default: text when stderr is a terminal, else json; or $ANYCASTD_LOG_FORMAT)',
  },
} as const satisfies OptionSpecs;

export interface Resolved {
  /** Commands from the root to the one selected, root first. */
  path: readonly Command[];
  command: Command;
  help: boolean;
  logLevel: string | undefined;
  logFormat: string | undefined;
  options: Record<string, string | boolean | string[]>;
  args: Record<string, string[]>;
}

/** `anycastd ipvs list` for a path [root, ipvs, list]. */
export function commandPath(path: readonly Command[]): string {
  return path.map((c) => c.name).join(' ');
}

/**
 * Walks the subcommand tree along the leading words of argv, then parses the
 * rest against the selected command's options and positionals.
 */
export function resolve(root: Command, argv: readonly string[]): Resolved {
  const path: Command[] = [root];
  const rest = [...argv];
  // Descend while the next word names a subcommand. Only global options may
  // stand before it (`anycastd --log-level debug run`).
  let i = 0;
  while (i < rest.length) {
    const word = rest[i] as string;
    if (word === '--log-level' || word === '--log-format') {
      i += 2;
      continue;
    }
    if (
      word === '-h' ||
      word === '--help' ||
      word.startsWith('--log-level=') ||
      word.startsWith('--log-format=')
    ) {
      i += 1;
      continue;
    }
    const current = path[path.length - 1] as Command;
    if (word.startsWith('-') || !current.subcommands?.length) break;
    const next = current.subcommands.find((c) => c.name === word);
    if (next === undefined) {
      if (current.run) break;
      throw new UsageError(
        `unknown command "${word}"; commands: ${current.subcommands.map((c) => c.name).join(', ')}`,
        commandPath(path),
      );
    }
    path.push(next);
    rest.splice(i, 1);
  }
  const command = path[path.length - 1] as Command;
  const specs: Record<string, OptionSpec> = { ...globalOptions, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: toParseArgsOptions(specs),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error), commandPath(path));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = values.help === true;
  const options: Record<string, string | boolean | string[]> = {};
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    const value = values[name];
    if (spec.type === 'boolean') {
      options[name] = value === true;
      continue;
    }
    if (value === undefined) {
      if (spec.multiple) options[name] = [];
      else if (spec.default !== undefined) options[name] = spec.default;
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && spec.choices && !spec.choices.includes(v)) {
        throw new UsageError(
          `--${name}: "${v}" is not one of ${spec.choices.join(', ')}`,
          commandPath(path),
        );
      }
    }
    options[name] = value;
  }
  for (const name of ['log-level', 'log-format'] as const) {
    const value = values[name];
    const choices: readonly string[] = globalOptions[name].choices;
    if (typeof value === 'string' && !choices.includes(value))
      throw new UsageError(
        `--${name}: "${value}" is not one of ${choices.join(', ')}`,
        commandPath(path),
      );
  }
  const logLevel = values['log-level'];
  const args = help ? {} : bindPositionals(command, parsed.positionals, path);
  return {
    path,
    command,
    help,
    logLevel: typeof logLevel === 'string' ? logLevel : undefined,
    logFormat: typeof values['log-format'] === 'string' ? values['log-format'] : undefined,
    options,
    args,
  };
}

function toParseArgsOptions(
  specs: Record<string, OptionSpec>,
): NonNullable<Parameters<typeof parseArgs>[0]>['options'] {
  const out: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.type === 'string' && spec.multiple ? { multiple: true } : {}),
    };
  }
  return out;
}

function bindPositionals(
  command: Command,
  given: readonly string[],
  path: readonly Command[],
): Record<string, string[]> {
  const specs = command.positionals ?? [];
  const args: Record<string, string[]> = {};
  let i = 0;
  for (const spec of specs) {
    if (spec.variadic) {
      args[spec.name] = given.slice(i);
      i = given.length;
    } else if (i < given.length) {
      args[spec.name] = [given[i] as string];
      i += 1;
    } else {
      args[spec.name] = [];
    }
    if (spec.required && (args[spec.name]?.length ?? 0) === 0) {
      throw new UsageError(`missing argument <${spec.name}>`, commandPath(path));
    }
  }
  if (i < given.length) {
    const extra = given[i] as string;
    const hint = command.subcommands?.length
      ? `unknown command "${extra}"; commands: ${command.subcommands.map((c) => c.name).join(', ')}`
      : `unexpected argument "${extra}"`;
    throw new UsageError(hint, commandPath(path));
  }
  return args;
}

function describeParseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // parseArgs messages are long and mention the API; keep the part that names the input.
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '(-[^' ]+)[^']*' argument missing/.exec(error.message);
  if (missing) return `option ${missing[1]} needs a value`;
  const noValue = /Option '([^']+)' does not take an argument/.exec(error.message);
  if (noValue) return `option ${noValue[1]} does not take a value`;
  return error.message;
}
