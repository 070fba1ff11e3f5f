/** Renders `--help` text from a command's declaration. Pure. */
import { exitCodeHelp } from '../exit-codes.js';
import type { Command, OptionSpec } from './command.js';
import { commandPath, globalOptions } from './parse.js';

export function renderHelp(path: readonly Command[]): string {
  const command = path[path.length - 1] as Command;
  const isRoot = path.length === 1;
  const lines: string[] = [];
  const name = commandPath(path);
  lines.push(`${name} — ${command.summary}`, '');
  lines.push(`Usage: ${usageLine(name, command)}`);
  if (command.description) lines.push('', ...command.description.trim().split('\n'));
  if (command.subcommands?.length) {
    lines.push('', 'Commands:');
    const width = Math.max(...command.subcommands.map((c) => c.name.length));
    for (const sub of command.subcommands) {
      lines.push(`  ${sub.name.padEnd(width)}  ${sub.summary}`);
    }
  }
  if (command.positionals?.length) {
    lines.push('', 'Arguments:');
    const width = Math.max(...command.positionals.map((p) => p.name.length + 2));
    for (const p of command.positionals) {
      lines.push(`  ${`<${p.name}>`.padEnd(width)}  ${p.description}`);
    }
  }
  const own = Object.entries(command.options ?? {});
  if (own.length) lines.push('', 'Options:', ...optionLines(own));
  lines.push('', 'Global options:', ...optionLines(Object.entries(globalOptions)));
  if (command.examples?.length) {
    lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  }
  if (command.subcommands?.length) {
    lines.push('', `Run '${name} <command> --help' for a command's options.`);
  }
  if (isRoot) {
    lines.push('', 'Exit codes:');
    for (const [code, meaning] of exitCodeHelp)
      lines.push(`  ${String(code).padStart(3)}  ${meaning}`);
  }
  return `${lines.join('\n')}\n`;
}

function usageLine(name: string, command: Command): string {
  const parts = [name];
  if (command.subcommands?.length) parts.push(command.run ? '[command]' : '<command>');
  if (Object.keys(command.options ?? {}).length) parts.push('[options]');
  for (const p of command.positionals ?? []) {
    const word = p.variadic ? `${p.name}...` : p.name;
    parts.push(p.required ? `<${word}>` : `[${word}]`);
  }
  return parts.join(' ');
}

function optionLines(entries: readonly (readonly [string, OptionSpec])[]): string[] {
  const labels = entries.map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
    return `${short}--${name}${value}`;
  });
  const width = Math.max(...labels.map((l) => l.length));
  return entries.map(([, spec], i) => {
    const extra: string[] = [];
    if (spec.type === 'string' && spec.choices) extra.push(`one of: ${spec.choices.join(', ')}`);
    if (spec.type === 'string' && spec.default !== undefined)
      extra.push(`default: ${spec.default}`);
    if (spec.type === 'string' && spec.multiple) extra.push('repeatable');
    const suffix = extra.length ? ` (${extra.join('; ')})` : '';
    return `  ${(labels[i] as string).padEnd(width)}  ${spec.description}${suffix}`;
  });
}
