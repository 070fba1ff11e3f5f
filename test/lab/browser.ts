/**
 * A headless Chromium for tests, driven over its DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: commands on fd 3, answers and events on fd 4,
 * each a JSON text ended by a NUL byte). A pipe needs no port, so the browser
 * can live in a test's network namespace and still be driven from outside it,
 * and no WebSocket client is needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { run } from './exec.js';
import type { LabProcess, Netns } from './netns.js';

const PROGRAM = 'chromium';

/** Fails, saying how to get it, when the browser is not installed. */
export async function requireBrowser(): Promise<void> {
  const found = await run('sh', ['-c', `command -v ${PROGRAM}`], { allowFailure: true });
  if (found.code !== 0)
    throw new Error(
      `${PROGRAM} is missing: apt-get install --no-install-recommends chromium ` +
        '(./scripts/setup installs it)',
    );
}

interface Reply {
  id?: number;
  sessionId?: string;
  method?: string;
  result?: unknown;
  error?: { message: string };
}

export class Browser {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }
  >();
  private buffer = '';

  private constructor(
    readonly process: LabProcess,
    private readonly commands: Writable,
    answers: Readable,
    private readonly profile: string,
  ) {
    answers.setEncoding('utf8');
    answers.on('data', (chunk: string) => this.receive(chunk));
    void process.exited.then(() => {
      for (const w of this.waiting.values())
        w.reject(
          new Error(`${PROGRAM} exited during ${w.method}:\n${process.output().slice(-2000)}`),
        );
      this.waiting.clear();
    });
  }

  /** Starts the browser inside `ns` (its loopback is the one pages see). */
  static launch(ns: Netns, options: { width?: number; height?: number } = {}): Browser {
    const profile = mkdtempSync(join(tmpdir(), 'acd-chromium-'));
    const p = ns.spawn(
      PROGRAM,
      [
        '--headless',
        // Root in a lab namespace: Chromium's sandbox needs user namespaces it cannot have.
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        `--window-size=${options.width ?? 1280},${options.height ?? 900}`,
        'about:blank',
      ],
      { extraPipes: 2 },
    );
    const stdio = p.child.stdio as unknown as (Readable | Writable | null)[];
    const commands = stdio[3] as Writable;
    const answers = stdio[4] as Readable;
    return new Browser(p, commands, answers, profile);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\0');
    while (end >= 0) {
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      end = this.buffer.indexOf('\0');
      const reply = JSON.parse(text) as Reply;
      if (reply.id === undefined) continue; // an event: nothing here waits for them
      const w = this.waiting.get(reply.id);
      if (!w) continue;
      this.waiting.delete(reply.id);
      if (reply.error) w.reject(new Error(`${w.method}: ${reply.error.message}`));
      else w.resolve(reply.result);
    }
  }

  /** One DevTools command; `sessionId` addresses a page attached with `open`. */
  send<T>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject, method });
      this.commands.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  /** Opens `url` in a new tab and returns it. */
  async open(url: string): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    return new Page(this, sessionId);
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 5_000))]);
    } catch {
      // It may exit before it answers.
    }
    this.process.kill('SIGKILL');
    await this.process.exited;
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  /** The value of a JavaScript expression in the page (JSON-serialisable values only). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.browser.send<{
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>('Runtime.evaluate', { expression, returnByValue: true }, this.sessionId);
    if (r.exceptionDetails)
      throw new Error(
        `in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`,
      );
    return r.result.value as T;
  }

  /** A PNG of what the page shows now. */
  async screenshot(): Promise<Buffer> {
    const r = await this.browser.send<{ data: string }>(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: true },
      this.sessionId,
    );
    return Buffer.from(r.data, 'base64');
  }
}
