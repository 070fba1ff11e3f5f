/** `anycastd drain|undrain TARGET` and `anycastd reload`: changes asked of the running daemon. */
import { ExitCode } from '../exit-codes.js';
import { defineCommand } from './command.js';
import { apiOptions, readTokenFile } from './api-options.js';

async function post(
  options: { api: string; 'token-file'?: string | undefined },
  path: string,
  body: unknown,
  ctx: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const { callApi } = await import('../api/client.js');
  const r = await callApi(
    options.api,
    'POST',
    path,
    body,
    await readTokenFile(options['token-file']),
  );
  const reply = JSON.parse(r.body) as {
    ok?: boolean;
    message?: string;
    issues?: { path: string; line?: number; message: string }[];
  };
  if (reply.ok) {
    ctx.stdout.write(`${reply.message ?? 'done'}\n`);
    return ExitCode.Ok;
  }
  ctx.stderr.write(`${reply.message ?? `the daemon answered ${r.status}`}\n`);
  for (const i of reply.issues ?? [])
    ctx.stderr.write(
      `  ${i.path || '(top level)'}${i.line ? ` (line ${i.line})` : ''}: ${i.message}\n`,
    );
  return r.status === 422 ? ExitCode.InvalidInput : ExitCode.Failure;
}

const targetHelp = `
TARGET is "director" (every VIP is withdrawn, after the draining attributes
for bgp.shutdown.drain_time), a VIP (its route is withdrawn the same way), a
service by name or VIP:PORT (its real servers get weight 0), or a real server's
address (weight 0 in every service). Drains are kept in state_file and survive
restarts.`;

export const drainCommand = defineCommand({
  name: 'drain',
  summary: 'take the director, a VIP, a service or a real server out of service',
  description: targetHelp,
  positionals: [
    {
      name: 'target',
      description: 'director | VIP | service | VIP:PORT | real server',
      required: true,
    },
  ],
  options: apiOptions,
  examples: ['anycastd drain 10.1.0.12', 'anycastd drain director'],
  async run({ options, args }, ctx) {
    return post(options, '/drain', { target: args.target?.[0] }, ctx);
  },
});

export const undrainCommand = defineCommand({
  name: 'undrain',
  summary: 'undo a drain',
  description: targetHelp,
  positionals: [{ name: 'target', description: 'what was drained', required: true }],
  options: apiOptions,
  async run({ options, args }, ctx) {
    return post(options, '/undrain', { target: args.target?.[0] }, ctx);
  },
});

export const reloadCommand = defineCommand({
  name: 'reload',
  summary: 'make the running daemon re-read its configuration',
  description: `
Same as SIGHUP: the daemon re-reads its configuration file. A file with any
problem is refused whole (exit 3, every problem listed) and the daemon keeps
running on the previous configuration.`,
  options: apiOptions,
  async run({ options }, ctx) {
    return post(options, '/reload', {}, ctx);
  },
});
