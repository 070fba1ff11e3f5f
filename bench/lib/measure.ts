/** Timing and memory measurement shared by the benchmarks. */
import { spawn } from 'node:child_process';

export interface CommandRun {
  /** Wall-clock milliseconds from spawn to exit. */
  ms: number;
  /** Peak resident set size in KiB, from /usr/bin/time. */
  maxRssKiB: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv under /usr/bin/time, measuring wall time here and peak RSS there. */
export function timed(argv: readonly string[], input?: string): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '__RSS__%M', ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const stderr = Buffer.concat(err).toString();
      const rss = /__RSS__(\d+)/.exec(stderr);
      resolve({
        ms,
        maxRssKiB: rss ? Number(rss[1]) : 0,
        code: code ?? 1,
        stdout: Buffer.concat(out).toString(),
        stderr: stderr.replace(/__RSS__\d+\n?/, ''),
      });
    });
    child.stdin.end(input ?? '');
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * A whole-number option of a benchmark's command line, within [min, max];
 * anything else ends the benchmark with exit code 2, naming the option and value.
 */
export function wholeOption(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} ${value}: use a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

/** Median, 90th percentile and maximum of a sample. */
export function stats(values: readonly number[]): { median: number; p90: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { median: percentile(s, 50), p90: percentile(s, 90), max: s.at(-1) ?? Number.NaN };
}

/** Prints rows as a Markdown table with right-aligned number columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const fmtMs = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
export const fmtMiB = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
