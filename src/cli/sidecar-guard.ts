/**
 * `anycastd sidecar-guard`: runs beside a gobgpd that anycastd drives in
 * external mode and withdraws every route it originates when no anycastd has
 * been connected for the dead time (see src/bgp/guard.ts).
 */
import { parseDuration } from '../input/duration.js';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../errors.js';
import { defineCommand } from './command.js';

export const sidecarGuardCommand = defineCommand({
  name: 'sidecar-guard',
  summary: "withdraw an external GoBGP sidecar's routes when anycastd is gone",
  description: `
For external mode, where anycastd does not run gobgpd itself: run this beside
gobgpd (same host or pod). anycastd keeps a connection to --listen open while it
lives (bgp.sidecar.guard in its config). When no anycastd has been connected for
--dead-time, the guard withdraws every route gobgpd originates, so a dead
anycastd leaves no route behind; one that restarts within the dead time changes
nothing. Runs until SIGINT or SIGTERM, then exits 0.`,
  options: {
    gobgp: {
      type: 'string',
      valueName: 'ADDRESS',
      description: "gobgpd's API: unix:///path or 127.0.0.1:PORT",
    },
    listen: {
      type: 'string',
      valueName: 'PATH',
      description: 'unix socket anycastd connects to',
    },
    'dead-time': {
      type: 'string',
      valueName: 'DURATION',
      default: '30s',
      description: 'how long without anycastd before routes are withdrawn',
    },
  },
  examples: [
    'anycastd sidecar-guard --gobgp unix:///run/gobgpd/gobgpd.sock --listen /run/anycastd/guard.sock',
  ],
  async run({ options }, ctx) {
    if (!options.gobgp) throw new UsageError('--gobgp ADDRESS is required', 'sidecar-guard');
    if (!options.listen) throw new UsageError('--listen PATH is required', 'sidecar-guard');
    const deadTimeMs = parseDuration(options['dead-time']);
    if (deadTimeMs === undefined || deadTimeMs < 1000)
      throw new UsageError(
        `--dead-time: ${JSON.stringify(options['dead-time'])} is not a duration of at least 1s`,
        'sidecar-guard',
      );
    // grpc-js is loaded only by commands that talk to GoBGP.
    const { GobgpClient } = await import('../bgp/client.js');
    const { SidecarGuard } = await import('../bgp/guard.js');
    const guard = new SidecarGuard({
      client: new GobgpClient({ address: options.gobgp }),
      listenPath: options.listen,
      deadTimeMs,
      log: ctx.log.child({ component: 'guard' }),
    });
    await guard.start();
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await guard.stop();
    // An asked-for stop is a clean one, as service managers expect (exit 0).
    ctx.stopped?.();
    return ExitCode.Ok;
  },
});
