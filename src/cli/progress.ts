/**
 * A progress line on a terminal for work that runs longer than a second:
 * count, rate and time left, redrawn at most four times a second and erased
 * when the work ends. Nothing at all when the stream is not a terminal, so
 * logs and pipes see only the summary the command prints anyway.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const REDRAW_MS = 250;

export class Progress {
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly what: string,
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
    private readonly afterMs = 1000,
  ) {
    this.started = now();
  }

  update(done: number): void {
    if (this.out.isTTY !== true) return;
    const t = this.now();
    if (t - this.started < this.afterMs || t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.drawn = true;
    this.out.write(`\r\x1b[K${progressText(this.what, done, this.total, t - this.started)}`);
  }

  /** Erases the line, so the command's own summary starts clean. */
  end(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** `restore: 45,000 of 110,001 operations (41 %), 1,150/s, about 57 s left`. */
export function progressText(what: string, done: number, total: number, elapsedMs: number): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const left = rate > 0 ? (total - done) / rate : undefined;
  const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
  return (
    `${what}: ${n(done)} of ${n(total)} (${pct} %), ${n(rate)}/s` +
    (left === undefined ? '' : `, about ${duration(left)} left`)
  );
}

function duration(s: number): string {
  if (s < 90) return `${Math.ceil(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
