/**
 * `anycastd import keepalived|ipvsadm`: writes an anycastd configuration from
 * a keepalived.conf or from saved ipvsadm rules, and lists on stderr what
 * could not be carried over. The result is checked exactly as `validate`
 * checks a file before it is written: an import never writes a
 * configuration anycastd would refuse.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CliError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Command, CliContext } from './command.js';
import { defineCommand } from './command.js';
import type { Identity, Imported } from '../import/model.js';

const identityOptions = {
  output: {
    type: 'string',
    short: 'o',
    valueName: 'FILE',
    description: 'write the configuration here (refused if it exists) instead of stdout',
  },
  name: { type: 'string', valueName: 'NAME', description: "this director's name (director.name)" },
  'router-id': {
    type: 'string',
    valueName: 'ADDR',
    description: 'IPv4 router id (director.router_id); 192.0.2.1 as a placeholder if not given',
  },
  asn: { type: 'string', valueName: 'ASN', description: "this director's AS; 65001 if not given" },
  peer: {
    type: 'string',
    multiple: true,
    valueName: 'ADDR,ASN',
    description: 'a BGP peer (repeat for several); a placeholder if none is given',
  },
} as const;

interface IdentityInput {
  name: string | undefined;
  'router-id': string | undefined;
  asn: string | undefined;
  peer: string[];
}

function identity(o: IdentityInput, fallbackName: string | undefined, notes: string[]): Identity {
  const asn = o.asn === undefined ? 65001 : Number(o.asn);
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295)
    throw new UsageError(`--asn ${o.asn}: not an AS number (1..4294967295)`, 'import');
  const peers = o.peer.map((p) => {
    const [address, peerAsn] = p.split(',');
    const n = Number(peerAsn);
    if (!address || !Number.isInteger(n) || n < 1 || n > 4294967295)
      throw new UsageError(`--peer ${p}: give ADDR,ASN (e.g. 192.0.2.1,65000)`, 'import');
    return { address, asn: n };
  });
  if (o['router-id'] === undefined)
    notes.push('director.router_id is the placeholder 192.0.2.1: set it (--router-id)');
  if (peers.length === 0)
    notes.push('bgp.peers holds the placeholder 192.0.2.254 (AS 65000): set your routers (--peer)');
  const name = (o.name ?? fallbackName ?? 'director').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return {
    name: /^[A-Za-z0-9]/.test(name) ? name : `d${name}`.slice(0, 63),
    routerId: o['router-id'] ?? '192.0.2.1',
    asn,
    peers: peers.length > 0 ? peers : [{ address: '192.0.2.254', asn: 65000 }],
  };
}

async function readInput(file: string | undefined, ctx: CliContext): Promise<string> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of ctx.stdin) chunks.push(Buffer.from(c as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, ExitCode.InvalidInput);
  }
}

/** Builds, validates and writes the document; notes go to stderr. */
async function emit(
  imported: Imported,
  o: IdentityInput & { output: string | undefined },
  fallbackName: string | undefined,
  source: string,
  ctx: CliContext,
): Promise<number> {
  const [{ toConfigDoc }, { toYamlText }, { parseConfigText, formatLocatedIssues }] =
    await Promise.all([
      import('../import/model.js'),
      import('../config/yaml-text.js'),
      import('../config/load.js'),
    ]);
  const notes: string[] = [];
  const id = identity(o, fallbackName, notes);
  const { doc, notes: more } = toConfigDoc(imported, id);
  notes.unshift(...more);
  // Every service may fall out only here (no real servers, forwarding that cannot be carried).
  if (doc.services.length === 0)
    throw new CliError(
      `${source}: no service that can be carried over\n${notes.join('\n')}`,
      ExitCode.InvalidInput,
    );
  const header = [
    `# anycastd configuration imported from ${source}.`,
    '# Check it with `anycastd validate --config FILE`; see the README for every option.',
    ...(notes.length > 0
      ? ['# Not carried over, or to review:', ...notes.map((n) => `#   ${n}`)]
      : []),
  ];
  const text = `${header.join('\n')}\n${toYamlText(doc)}`;
  const check = parseConfigText(text);
  if (check.issues)
    throw new CliError(
      `the imported configuration would not be valid, so it was not written:\n${formatLocatedIssues(check.issues)}`,
      ExitCode.Failure,
    );
  if (o.output) {
    try {
      await writeFile(o.output, text, { flag: 'wx' });
    } catch (error) {
      throw new CliError(`cannot write ${o.output}: ${(error as Error).message}`, ExitCode.Failure);
    }
  } else ctx.stdout.write(text);
  for (const n of notes) ctx.stderr.write(`import: ${n}\n`);
  ctx.stderr.write(
    `import: ${check.config.services.length} services, ` +
      `${check.config.services.reduce((n, s) => n + s.reals.length, 0)} real servers` +
      `${o.output ? ` written to ${o.output}` : ''}; ${notes.length} note${notes.length === 1 ? '' : 's'}\n`,
  );
  return ExitCode.Ok;
}

const keepalivedCommand = defineCommand({
  name: 'keepalived',
  summary: "a configuration from keepalived.conf's virtual servers",
  description: `
Reads keepalived.conf (FILE, or stdin for - or none): virtual servers (address
and port), schedulers, forwarding (lb_kind), persistence, real servers with
their weights and thresholds, and the checkers TCP_CHECK, HTTP_GET, SSL_GET,
MISC_CHECK, DNS_CHECK, UDP_CHECK and PING_CHECK with their timers. VRRP and anything else
without an anycastd equivalent is listed on stderr and in the file's header.`,
  positionals: [{ name: 'file', description: 'keepalived.conf; - or none for stdin' }],
  options: identityOptions,
  examples: [
    'anycastd import keepalived /etc/keepalived/keepalived.conf -o anycastd.yaml --peer 192.0.2.1,65000',
  ],
  async run({ options: o, args }, ctx) {
    const file = args.file?.[0];
    const text = await readInput(file, ctx);
    const label = file === undefined || file === '-' ? 'stdin' : file;
    const [{ parseKeepalivedConf, ConfSyntaxError }, { importKeepalived }] = await Promise.all([
      import('../import/keepalived-conf.js'),
      import('../import/keepalived.js'),
    ]);
    let statements;
    try {
      statements = parseKeepalivedConf(text);
    } catch (error) {
      if (error instanceof ConfSyntaxError)
        throw new CliError(`${label}: ${error.message}`, ExitCode.InvalidInput);
      throw error;
    }
    const imported = importKeepalived(statements);
    return emit(imported, o, imported.routerId, label, ctx);
  },
});

const ipvsadmCommand = defineCommand({
  name: 'ipvsadm',
  summary: 'a configuration from saved ipvsadm rules',
  description: `
Reads what \`ipvsadm -S\` writes (FILE, or stdin for - or none), and any
ipvsadm command lines, replayed in order: the services and real servers at the
end, schedulers, flags, persistence, forwarding, weights, thresholds, and
--set timeouts. ipvsadm has no health checks: every real server gets
anycastd's default check. Bad lines are reported with their numbers and
nothing is written.`,
  positionals: [{ name: 'file', description: 'the rules; - or none for stdin' }],
  options: identityOptions,
  examples: ['ipvsadm -S -n | anycastd import ipvsadm --name lb1 --peer 192.0.2.1,65000'],
  async run({ options: o, args }, ctx) {
    const file = args.file?.[0];
    const text = await readInput(file, ctx);
    const label = file === undefined || file === '-' ? 'stdin' : file;
    const [
      { parseRules },
      { importIpvsadm },
      { commandLines },
      { loadServicesFile },
      { systemResolver },
    ] = await Promise.all([
      import('../ipvs/ipvsadm/rules.js'),
      import('../import/ipvsadm.js'),
      import('../import/ipvsadm-commands.js'),
      import('../ipvs/ipvsadm/names.js'),
      import('../ipvs/ipvsadm/service-option.js'),
    ]);
    const commands = commandLines(text);
    // Service names (`:http`, as ipvsadm -S writes without -n) from /etc/services, as ipvsadm reads them.
    const parsed = await parseRules(commands.text, systemResolver(await loadServicesFile()));
    const errors = [...commands.errors, ...parsed.errors].sort((a, b) => a.line - b.line);
    if (errors.length > 0)
      throw new CliError(
        errors.map((e) => `${label}:${e.line}: ${e.message}`).join('\n'),
        ExitCode.InvalidInput,
      );
    const imported = importIpvsadm(parsed.ops);
    imported.notes.unshift(...commands.notes);
    return emit(imported, o, undefined, label, ctx);
  },
});

export const importCommand: Command = {
  name: 'import',
  summary: 'write an anycastd configuration from keepalived.conf or ipvsadm rules',
  description: `
A way in from keepalived or hand-kept ipvsadm rules. The configuration goes to
stdout (or -o FILE); what could not be carried over goes to stderr and into
the file's header. The result is validated before it is written.`,
  subcommands: [keepalivedCommand, ipvsadmCommand],
};
