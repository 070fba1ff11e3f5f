/**
 * `anycastd realserver up|down|check`: sets up a real server for direct
 * routing (or IP tunnelling) the way the LVS HOWTO describes, idempotently,
 * and reports what is missing. Runs on the real server, not the director.
 */
import { canonicalAddress } from '../model/address.js';
import { CliError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Command, CliContext } from './command.js';
import { defineCommand } from './command.js';
import type { Action, Forwarding, RealServerSpec } from '../realserver/plan.js';

const options = {
  vip: {
    type: 'string',
    multiple: true,
    valueName: 'ADDR',
    description: 'a VIP this real server serves (repeat for several); IPv4 or IPv6',
  },
  interface: {
    type: 'string',
    valueName: 'NAME',
    description:
      'where the VIPs go: lo (default for dr), a dummy interface (created), tunl0 (tunnel)',
  },
  forwarding: {
    type: 'string',
    valueName: 'METHOD',
    default: 'dr',
    choices: ['dr', 'tunnel'],
    description: 'how the directors forward to this server: dr (default) or tunnel (IPIP)',
  },
  json: { type: 'boolean', description: 'print one JSON object instead of text' },
} as const;

function specOf(o: {
  vip: string[];
  interface: string | undefined;
  forwarding: string;
}): RealServerSpec {
  const forwarding = o.forwarding as Forwarding;
  if (o.vip.length === 0)
    throw new UsageError('--vip ADDR is required (one or more)', 'realserver');
  const vips = o.vip.map((text) => {
    const a = canonicalAddress(text.replace(/\/(32|128)$/, ''));
    if (!a) throw new UsageError(`--vip ${text}: not an IPv4 or IPv6 address`, 'realserver');
    if (forwarding === 'tunnel' && a.family === 'ipv6')
      throw new UsageError(
        `--vip ${text}: IPv6 over tunnelling is not supported; use --forwarding dr`,
        'realserver',
      );
    return a;
  });
  const ifname = o.interface ?? (forwarding === 'tunnel' ? 'tunl0' : 'lo');
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifname))
    throw new UsageError(
      `--interface ${ifname}: not an interface name (1..15 characters)`,
      'realserver',
    );
  if (forwarding === 'tunnel' && ifname !== 'tunl0')
    throw new UsageError(
      `--interface ${ifname}: tunnelled packets arrive on tunl0, the VIPs must go there`,
      'realserver',
    );
  return { vips: [...new Map(vips.map((v) => [v.address, v])).values()], ifname, forwarding };
}

/** Applies `actions` all or nothing, printing each change. */
async function applyAll(actions: readonly Action[], ctx: CliContext, json: boolean): Promise<void> {
  const [{ apply }, { applyWithRollback }, { describeAction }] = await Promise.all([
    import('../realserver/system.js'),
    import('../realserver/apply.js'),
    import('../realserver/plan.js'),
  ]);
  const r = await applyWithRollback(actions, apply, (a) => {
    if (!json) ctx.stdout.write(`${describeAction(a)}\n`);
  });
  if (r.ok) return;
  const code = /EACCES|EPERM|not permitted|permission/i.test(r.error)
    ? ExitCode.Environment
    : ExitCode.Failure;
  throw new CliError(
    `${r.failed}: ${r.error}` +
      (r.rolledBack.length ? `\nrolled back:\n  ${r.rolledBack.join('\n  ')}` : ''),
    code,
  );
}

function changeCommand(name: 'up' | 'down'): Command {
  return defineCommand({
    name,
    summary:
      name === 'up'
        ? 'put the VIPs on this real server, with ARP kept off them'
        : 'take the VIPs off this real server',
    description:
      name === 'up'
        ? `
Makes this host a real server for the VIPs: the ARP settings first
(net.ipv4.conf.all.arp_ignore=1, arp_announce=2, so the host never answers ARP
for a VIP nor uses one as a source), with --forwarding tunnel also loose
reverse-path filtering and tunl0; then each VIP as a /32 or /128 on the
interface (lo by default; another name is created as a dummy interface).
Only what is missing is changed, each change printed; if one fails, what this
run changed is undone and the command exits 1.`
        : `
Removes the VIPs from the interface. The ARP settings stay: they are harmless
without the VIPs, and other services may rely on them. Only VIPs that are
there are removed.`,
    options,
    examples: [
      `anycastd realserver ${name} --vip 198.51.100.10`,
      `anycastd realserver ${name} --vip 198.51.100.10 --vip 2001:db8::10 --interface vip0`,
    ],
    async run({ options: o }, ctx) {
      const spec = specOf(o);
      const { readState } = await import('../realserver/system.js');
      const { planUp, planDown } = await import('../realserver/plan.js');
      const state = await readState(spec);
      if (name === 'down' && !state.interface.exists)
        throw new CliError(`interface ${spec.ifname} does not exist: nothing to take down`, 1);
      const actions = name === 'up' ? planUp(spec, state) : planDown(spec, state);
      await applyAll(actions, ctx, o.json);
      if (o.json)
        ctx.stdout.write(
          `${JSON.stringify({ changed: actions.length, actions: actions.map((a) => a.kind) })}\n`,
        );
      else if (actions.length === 0) ctx.stdout.write('nothing to change\n');
      return ExitCode.Ok;
    },
  });
}

const checkCommand = defineCommand({
  name: 'check',
  summary: 'report what this real server is missing for the VIPs',
  description: `
Checks each requirement of \`realserver up\` and prints it with ok or MISSING.
Exit 0 when everything holds, 1 when something is missing. Changes nothing.`,
  options,
  examples: ['anycastd realserver check --vip 198.51.100.10'],
  async run({ options: o }, ctx) {
    const spec = specOf(o);
    const { readState } = await import('../realserver/system.js');
    const { check } = await import('../realserver/plan.js');
    const findings = check(spec, await readState(spec));
    const ok = findings.every((f) => f.ok);
    if (o.json) ctx.stdout.write(`${JSON.stringify({ ok, findings })}\n`);
    else for (const f of findings) ctx.stdout.write(`${f.ok ? 'ok     ' : 'MISSING'}  ${f.what}\n`);
    return ok ? ExitCode.Ok : ExitCode.Failure;
  },
});

export const realserverCommand: Command = {
  name: 'realserver',
  summary: 'set up (or check) a real server for direct routing',
  description: `
For the real servers behind the directors, not the directors: puts the VIPs
on lo (or a dummy interface, or tunl0 for IPIP) with the ARP settings the
LVS HOWTO gives, takes them off, or checks what is missing. Needs root.`,
  subcommands: [changeCommand('up'), changeCommand('down'), checkCommand],
};
