/**
 * `anycastd ipvs restore`: applies ipvsadm rules (the `ipvsadm -S` format and
 * -A/-E/-D/-a/-e/-d/-C lines) from a file or stdin, in batches. Every line is
 * checked before anything is sent: one bad line and nothing is applied.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CliError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command.js';
import { netnsOption } from './common.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Operations per netlink batch: progress between them, and few batches (27 for 110,001 rules). */
const RESTORE_SLICE = 4096;

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'apply ipvsadm rules from a file or stdin, as `ipvsadm -R` does, in batches',
  description: `
Reads what \`ipvsadm -S\` and \`anycastd ipvs save\` write, plus any ipvsadm
-A -E -D -a -e -d -C -Z --set --start-daemon --stop-daemon lines; blank lines
and lines starting with # are skipped. Every line is checked first, with
ipvsadm's defaults and rules; if any line is wrong, each problem is reported
with its line number and nothing is applied (exit 3). Then the operations go
to the kernel in order, many per system call. Operations the kernel refuses
are reported with their line number and errno (exit 1); the others stay
applied. The rules are applied on top of the current table: start with a -C
line to replace it.`,
  options: {
    'dry-run': { type: 'boolean', description: 'check the rules and report, change nothing' },
    quiet: { type: 'boolean', short: 'q', description: 'no summary line on stderr' },
    ...netnsOption,
  },
  positionals: [{ name: 'file', description: 'rules file (default: standard input)' }],
  examples: [
    'anycastd ipvs save -n > rules && anycastd ipvs restore rules',
    'printf -- "-A -t 192.0.2.1:80 -s mh\\n" | anycastd ipvs restore',
  ],
  async run({ options: o, args }, ctx) {
    const file = args.file?.[0];
    let text: string;
    try {
      text = file && file !== '-' ? await readFile(file, 'utf8') : await readAll(ctx.stdin);
    } catch (error) {
      throw new CliError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        ExitCode.InvalidInput,
      );
    }
    const source = file && file !== '-' ? file : 'stdin';
    const [{ loadServicesFile }, { parseRules }, { systemResolver }, { withIpvs }] =
      await Promise.all([
        import('../../ipvs/ipvsadm/names.js'),
        import('../../ipvs/ipvsadm/rules.js'),
        import('../../ipvs/ipvsadm/service-option.js'),
        import('./common.js'),
      ]);
    const started = performance.now();
    const parsed = await parseRules(text, systemResolver(await loadServicesFile()));
    if (parsed.errors.length) {
      for (const e of parsed.errors) ctx.stderr.write(`${source}:${e.line}: ${e.message}\n`);
      throw new CliError(
        `${parsed.errors.length} line${parsed.errors.length === 1 ? '' : 's'} refused; nothing was applied`,
        ExitCode.InvalidInput,
      );
    }
    const ops = parsed.ops;
    if (o['dry-run']) {
      if (!o.quiet)
        ctx.stderr.write(`restore: ${ops.length} operations checked, none applied (dry run)\n`);
      return ExitCode.Ok;
    }
    const { Progress } = await import('../progress.js');
    const progress = new Progress(ctx.stderr, 'restore', ops.length);
    // In slices, so a long restore can say how far it is; the kernel takes them in order.
    const results = await withIpvs(o.netns, async (ipvs) => {
      const all: Awaited<ReturnType<typeof ipvs.apply>> = [];
      for (let i = 0; i < ops.length; i += RESTORE_SLICE) {
        all.push(...(await ipvs.apply(ops.slice(i, i + RESTORE_SLICE).map((r) => r.op))));
        progress.update(all.length);
      }
      return all;
    }).finally(() => progress.end());
    let failed = 0;
    results.forEach((r, i) => {
      if (!r.ok) {
        failed++;
        ctx.stderr.write(`${source}:${ops[i]?.line}: ${r.error.message}\n`);
      }
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    if (!o.quiet) {
      ctx.stderr.write(
        `restore: ${ops.length - failed} of ${ops.length} operations applied in ${seconds} s\n`,
      );
    }
    if (failed)
      throw new CliError(`${failed} operation${failed === 1 ? '' : 's'} failed`, ExitCode.Failure);
    return ExitCode.Ok;
  },
});
