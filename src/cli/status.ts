/** `anycastd status`: what the running daemon announces, why, and the health behind it. */
import { ExitCode } from '../exit-codes.js';
import { defineCommand } from './command.js';
import { apiOptions } from './api-options.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'show what the running daemon announces and why',
  description: `
Asks the running daemon (\`anycastd run\`) for its state: per VIP whether it is
announced and why, per real server its health with the last reason and since
when, the GoBGP sidecar and each BGP peer, and what the operator drained.`,
  options: {
    ...apiOptions,
    json: { type: 'boolean', description: "print the daemon's status document (JSON)" },
  },
  async run({ options }, ctx) {
    const { callApi } = await import('../api/client.js');
    const r = await callApi(options.api, 'GET', '/status');
    if (r.status !== 200) {
      ctx.stderr.write(`anycastd status: the daemon answered ${r.status}: ${r.body}`);
      return ExitCode.Failure;
    }
    if (options.json) {
      ctx.stdout.write(r.body.endsWith('\n') ? r.body : `${r.body}\n`);
      return ExitCode.Ok;
    }
    const { formatStatus } = await import('./status-format.js');
    ctx.stdout.write(formatStatus(JSON.parse(r.body) as Parameters<typeof formatStatus>[0]));
    return ExitCode.Ok;
  },
});
