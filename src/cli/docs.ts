/**
 * `anycastd man` and `anycastd completion bash`: the manual page and the shell
 * completion, rendered from the command tree they describe. The tree is passed
 * in as a function because these commands are part of it.
 */
import { ExitCode } from '../exit-codes.js';
import { manifest } from '../version.js';
import { type Command, defineCommand } from './command.js';
import { renderBashCompletion } from './completion.js';
import { renderManPage } from './manpage.js';

export function manCommand(root: () => Command): Command {
  return defineCommand({
    name: 'man',
    summary: 'print the manual page anycastd(8) in roff (view it with: anycastd man | man -l -)',
    options: {
      date: {
        type: 'string',
        valueName: 'YYYY-MM-DD',
        description: "the page's date (default: $SOURCE_DATE_EPOCH's day, else today)",
      },
    },
    async run({ options }, ctx) {
      const date = options.date ?? pageDate(ctx.env.SOURCE_DATE_EPOCH);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        ctx.stderr.write(`anycastd man: --date: "${date}" is not YYYY-MM-DD\n`);
        return ExitCode.Usage;
      }
      ctx.stdout.write(renderManPage(root(), { version: manifest().version, date }));
      return ExitCode.Ok;
    },
  });
}

export function completionCommand(root: () => Command): Command {
  return defineCommand({
    name: 'completion',
    summary: 'print a shell completion script (bash)',
    description: `
Load it for this shell with: source <(anycastd completion bash)
The Debian package installs it under /usr/share/bash-completion/completions.`,
    positionals: [{ name: 'shell', description: 'the shell: bash', required: true }],
    async run({ args }, ctx) {
      const shell = args.shell?.[0];
      if (shell !== 'bash') {
        ctx.stderr.write(
          `anycastd completion: shell "${shell ?? ''}" is not supported (bash is)\n`,
        );
        return ExitCode.Usage;
      }
      ctx.stdout.write(renderBashCompletion(root()));
      return ExitCode.Ok;
    },
  });
}

/** A reproducible build's date when it has one. */
function pageDate(epoch: string | undefined): string {
  const seconds = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : Date.now() / 1000;
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}
