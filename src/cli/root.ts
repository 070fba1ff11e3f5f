/** The command tree: the root command and every subcommand under it. */
import { ExitCode } from '../exit-codes.js';
import type { Command } from './command.js';
import { checkCommand } from './check.js';
import { completionCommand, manCommand } from './docs.js';
import { renderHelp } from './help.js';
import { sidecarGuardCommand } from './sidecar-guard.js';
import { importCommand } from './import.js';
import { ipvsCommand } from './ipvs/index.js';
import { drainCommand, reloadCommand, undrainCommand } from './control.js';
import { planCommand } from './plan.js';
import { realserverCommand } from './realserver.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';
import { versionCommand } from './version.js';

export const rootCommand: Command = {
  name: 'anycastd',
  summary: 'anycast load-balancer director: IPVS, health checks and BGP announcements',
  description: `
anycastd runs on every director of a load-balancer fleet. It health-checks real
servers, programs the kernel's IPVS table over generic netlink and announces
each healthy VIP through a GoBGP sidecar, so routers spread it over every
healthy director (ECMP).`,
  options: {
    version: { type: 'boolean', short: 'V', description: 'print the version and exit' },
  },
  subcommands: [
    checkCommand,
    completionCommand(() => rootCommand),
    drainCommand,
    importCommand,
    ipvsCommand,
    manCommand(() => rootCommand),
    planCommand,
    realserverCommand,
    reloadCommand,
    runCommand,
    sidecarGuardCommand,
    statusCommand,
    undrainCommand,
    validateCommand,
    versionCommand,
  ],
  async run(input, ctx) {
    if (input.options.version === true) {
      return (versionCommand.run as NonNullable<Command['run']>)(
        { options: { json: false }, args: {} },
        ctx,
      );
    }
    // A bare `anycastd` is a usage error: say what exists rather than guess.
    ctx.stderr.write(renderHelp([rootCommand]));
    return ExitCode.Usage;
  },
};
