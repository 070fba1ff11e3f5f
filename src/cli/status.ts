/** `anycastd status`: what the running daemon announces, why, and the health behind it. */
import { parseDuration } from '../input/duration.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { defineCommand } from './command.js';
import { apiOptions } from './api-options.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'show what the running daemon announces and why',
  description: `
Asks the running daemon (\`anycastd run\`) for its state: per VIP whether it is
announced and why, per real server its health with the last reason and since
when, the GoBGP sidecar and each BGP peer, and what the operator drained.
Given VIPs or service names, only those (a VIP with its services' real
servers, a service with its VIP). With --watch, again every --interval until
interrupted.`,
  positionals: [{ name: 'target', description: 'a VIP or a service name', variadic: true }],
  options: {
    ...apiOptions,
    json: { type: 'boolean', description: "print the daemon's status document (JSON)" },
    watch: { type: 'boolean', short: 'w', description: 'print it again every --interval' },
    interval: {
      type: 'string',
      valueName: 'DURATION',
      default: '2s',
      description: 'with --watch: how often (e.g. 2s, 500ms)',
    },
  },
  examples: [
    'anycastd status 198.51.100.10',
    'anycastd status web --watch',
    'anycastd status --json',
  ],
  async run({ options, args }, ctx) {
    const targets = args.target ?? [];
    const every = parseDuration(options.interval);
    if (every === undefined || every < 100)
      throw new UsageError(
        `--interval ${options.interval}: not a duration of 100ms or more`,
        'status',
      );
    const [{ callApi }, { filterStatus, formatStatus }] = await Promise.all([
      import('../api/client.js'),
      import('./status-format.js'),
    ]);
    const tty = (ctx.stdout as { isTTY?: boolean }).isTTY === true;
    for (let first = true; ; first = false) {
      const r = await callApi(options.api, 'GET', '/status');
      if (r.status !== 200) {
        ctx.stderr.write(`anycastd status: the daemon answered ${r.status}: ${r.body}`);
        return ExitCode.Failure;
      }
      let text: string;
      if (targets.length === 0 && options.json)
        text = r.body.endsWith('\n') ? r.body : `${r.body}\n`;
      else {
        const whole = JSON.parse(r.body) as Parameters<typeof formatStatus>[0];
        const { status, unknown } = targets.length
          ? filterStatus(whole, targets)
          : { status: whole, unknown: [] };
        if (unknown.length) {
          ctx.stderr.write(`anycastd status: no VIP or service ${unknown.join(', ')}\n`);
          return ExitCode.Failure;
        }
        text = options.json ? `${JSON.stringify(status)}\n` : formatStatus(status);
      }
      if (!options.watch) {
        ctx.stdout.write(text);
        return ExitCode.Ok;
      }
      // On a terminal the screen is redrawn; into a pipe each round follows the last.
      if (tty) ctx.stdout.write(`\x1b[H\x1b[2J${text}`);
      else
        ctx.stdout.write(
          `${first ? '' : '\n'}${options.json ? '' : `# ${new Date().toISOString()}\n`}${text}`,
        );
      const stopped = await new Promise<boolean>((resolve) => {
        if (ctx.signal.aborted) return resolve(true);
        const onAbort = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve(false);
        }, every);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
      if (stopped) return ExitCode.Ok;
    }
  },
});
