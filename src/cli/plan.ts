/** `anycastd plan --config FILE`: what the running daemon would change for FILE, changing nothing. */
import { readFile } from 'node:fs/promises';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../errors.js';
import { configOption, defineCommand } from './command.js';
import { apiOptions, readTokenFile } from './api-options.js';

export const planCommand = defineCommand({
  name: 'plan',
  summary: 'show what a configuration would change, without changing it',
  description: `
Checks FILE, then asks the running daemon what it would change in the kernel's
IPVS table and in its routes if FILE were loaded now, judged with the real
servers' current health and the operator's drains. Nothing is changed; apply
with \`anycastd reload\` once FILE is in place.`,
  options: {
    ...apiOptions,
    config: configOption,
    json: {
      type: 'boolean',
      description: 'one JSON object: {ok, ipvs: [...], routes: [...]} or {ok: false, issues}',
    },
  },
  async run({ options }, ctx) {
    if (!options.config) throw new UsageError('--config FILE is required', 'plan');
    const { loadConfigFile, describeProblems } = await import('../config/load.js');
    const local = await loadConfigFile(options.config);
    if (local.issues) {
      if (options.json)
        ctx.stdout.write(`${JSON.stringify({ ok: false, issues: local.issues })}\n`);
      else ctx.stderr.write(describeProblems(options.config, local.issues));
      return ExitCode.InvalidInput;
    }
    const token = await readTokenFile(options['token-file']);
    const { callApi } = await import('../api/client.js');
    // The daemon cannot read the included files relative to this one: it is sent as one document.
    const text = local.expanded
      ? JSON.stringify(local.expanded)
      : await readFile(options.config, 'utf8');
    const r = await callApi(options.api, 'POST', '/plan', { config: text }, token);
    const reply = JSON.parse(r.body) as {
      ok?: boolean;
      message?: string;
      issues?: unknown;
      ipvs?: string[];
      routes?: string[];
    };
    if (options.json) {
      const { ok = false, message, issues, ipvs = [], routes = [] } = reply;
      ctx.stdout.write(
        `${JSON.stringify(ok ? { ok, ipvs, routes } : { ok, message, ...(issues !== undefined && { issues }) })}\n`,
      );
      return ok ? ExitCode.Ok : ExitCode.Failure;
    }
    if (!reply.ok) {
      ctx.stderr.write(`${reply.message ?? `the daemon answered ${r.status}`}\n`);
      return ExitCode.Failure;
    }
    const ipvs = reply.ipvs ?? [];
    const routes = reply.routes ?? [];
    if (ipvs.length + routes.length === 0) ctx.stdout.write('no changes\n');
    for (const line of ipvs) ctx.stdout.write(`ipvs   ${line}\n`);
    for (const line of routes) ctx.stdout.write(`route  ${line}\n`);
    return ExitCode.Ok;
  },
});
