/**
 * Renders anycastd(8) in roff from the command tree, so the manual page says
 * what `--help` says and cannot fall behind it. Pure.
 */
import { exitCodeHelp } from '../exit-codes.js';
import type { Command, OptionSpec, OptionSpecs } from './command.js';
import { commandPath, globalOptions } from './parse.js';

export interface ManPageInfo {
  version: string;
  /** The page's date, YYYY-MM-DD. */
  date: string;
}

/** Files the package installs or the daemon uses by default, for FILES. */
const FILES: readonly (readonly [string, string])[] = [
  ['/etc/anycastd/anycastd.yaml', 'the configuration read by run and validate without --config'],
  ['/run/anycastd/api.sock', 'the control API (api.listen)'],
  ['/run/anycastd/gobgp/', "the spawned gobgpd's configuration and API socket"],
  ['/var/lib/anycastd/state.json', 'drains and other state kept across restarts'],
];

export function renderManPage(root: Command, info: ManPageInfo): string {
  const out: string[] = [];
  const title = root.name.toUpperCase();
  out.push(`.TH ${title} 8 "${info.date}" "${root.name} ${info.version}" "System Administration"`);
  out.push('.SH NAME', `${root.name} \\- ${text(root.summary)}`);
  out.push('.SH SYNOPSIS', `.B ${root.name}`, '.I command', '[\\fIoptions\\fR]');
  if (root.description) out.push('.SH DESCRIPTION', ...paragraphs(root.description));
  out.push('.SH COMMANDS');
  for (const path of leaves([root])) {
    if (path.length === 1) continue;
    const command = path[path.length - 1] as Command;
    out.push('.SS ' + text(commandPath(path)), text(command.summary) + '.');
    out.push('.PP', `Usage: \\fB${text(usage(path))}\\fR`);
    if (command.description) out.push(...paragraphs(command.description));
    for (const p of command.positionals ?? []) {
      out.push('.TP', `\\fI${text(p.name)}\\fR`, text(p.description));
    }
    out.push(...options(command.options ?? {}));
    if (command.examples?.length) {
      out.push('.PP', 'Examples:', '.RS', '.nf', ...command.examples.map(text), '.fi', '.RE');
    }
  }
  out.push('.SH GLOBAL OPTIONS', ...options(globalOptions));
  out.push('.SH EXIT STATUS');
  for (const [code, meaning] of exitCodeHelp) out.push('.TP', String(code), text(meaning));
  out.push('.SH SIGNALS');
  out.push(
    '.TP',
    'SIGHUP',
    'run re-reads its configuration file (as anycastd reload).',
    '.TP',
    'SIGINT, SIGTERM',
    'run drains its routes for bgp.shutdown.drain_time, withdraws them, stops gobgpd and exits 0; the IPVS table is left as it is.',
  );
  out.push('.SH FILES');
  for (const [file, what] of FILES) out.push('.TP', `\\fI${text(file)}\\fR`, text(what));
  out.push('.SH SEE ALSO', '\\fBipvsadm\\fR(8), \\fBgobgpd\\fR(1), \\fBsystemd.service\\fR(5)');
  return `${out.join('\n')}\n`;
}

/** Every command path that runs something, depth first, in declaration order. */
export function leaves(path: readonly Command[]): (readonly Command[])[] {
  const command = path[path.length - 1] as Command;
  const own = command.run ? [path] : [];
  const subs = (command.subcommands ?? []).flatMap((sub) => leaves([...path, sub]));
  return [...own, ...subs];
}

function usage(path: readonly Command[]): string {
  const command = path[path.length - 1] as Command;
  const parts = [commandPath(path)];
  if (Object.keys(command.options ?? {}).length) parts.push('[options]');
  for (const p of command.positionals ?? []) {
    const word = p.variadic ? `${p.name}...` : p.name;
    parts.push(p.required ? `<${word}>` : `[${word}]`);
  }
  return parts.join(' ');
}

function options(specs: OptionSpecs): string[] {
  return Object.entries(specs).flatMap(([name, spec]) => [
    '.TP',
    label(name, spec),
    describe(spec),
  ]);
}

function label(name: string, spec: OptionSpec): string {
  const long = `\\fB\\-\\-${text(name)}\\fR`;
  const value = spec.type === 'string' ? ` \\fI${text(spec.valueName ?? 'VALUE')}\\fR` : '';
  return spec.short ? `\\fB\\-${spec.short}\\fR, ${long}${value}` : `${long}${value}`;
}

function describe(spec: OptionSpec): string {
  const extra: string[] = [];
  if (spec.type === 'string' && spec.choices) extra.push(`one of: ${spec.choices.join(', ')}`);
  if (spec.type === 'string' && spec.default !== undefined) extra.push(`default: ${spec.default}`);
  if (spec.type === 'string' && spec.multiple) extra.push('repeatable');
  return text(spec.description + (extra.length ? ` (${extra.join('; ')})` : ''));
}

/** Blank-line separated paragraphs; indented lines stay as they are (lists, examples). */
function paragraphs(body: string): string[] {
  const out: string[] = [];
  for (const para of body.trim().split(/\n\s*\n/)) {
    const lines = para.split('\n');
    if (lines.some((l) => /^\s/.test(l))) {
      out.push('.PP', '.nf', ...lines.map(text), '.fi');
    } else {
      out.push('.PP', text(lines.join(' ')));
    }
  }
  return out;
}

/** Escapes text for roff: backslashes, minus signs, and a leading dot or quote. */
export function text(s: string): string {
  const escaped = s.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}
