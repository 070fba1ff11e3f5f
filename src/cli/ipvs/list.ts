/** `anycastd ipvs list`: the IPVS table exactly as `ipvsadm -L` prints it. */
import type { ServiceKey, ServiceWithDestinations } from '../../ipvs/model.js';
import { CliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command.js';
import { netnsOption } from './common.js';

export const listCommand = defineCommand({
  name: 'list',
  summary: 'print the IPVS table as `ipvsadm -L` does',
  description: `
Prints services and real servers in ipvsadm's format and order, byte for byte,
so scripts that parse \`ipvsadm -L\` keep working. Without -n, addresses and
ports are shown by name, resolved as ipvsadm resolves them. With -c, the
connection entries instead (\`ipvsadm -L -c\`), streamed from the kernel's
/proc/net/ip_vs_conn; with --persistent-conn too, the persistence engine's
columns.`,
  options: {
    numeric: { type: 'boolean', short: 'n', description: 'numeric addresses and ports' },
    stats: { type: 'boolean', description: 'connection, packet and byte counters' },
    rate: { type: 'boolean', description: 'connection, packet and byte rates' },
    thresholds: { type: 'boolean', description: 'upper and lower connection thresholds' },
    'persistent-conn': { type: 'boolean', description: 'persistent connection counts' },
    'tun-info': {
      type: 'boolean',
      description: 'tunnel type, port and checksum of tunnelled servers',
    },
    exact: { type: 'boolean', short: 'X', description: 'exact numbers instead of K/M/G/T' },
    nosort: { type: 'boolean', description: "the kernel's order instead of ipvsadm's" },
    sort: {
      type: 'boolean',
      description: 'no effect (ipvsadm compatibility: sorting is the default)',
    },
    connection: {
      type: 'boolean',
      short: 'c',
      description: 'print the connection entries instead (`ipvsadm -L -c`)',
    },
    timeout: { type: 'boolean', description: 'print the tcp, tcpfin and udp timeouts instead' },
    daemon: { type: 'boolean', description: 'print the connection sync daemons instead' },
    'tcp-service': {
      type: 'string',
      short: 't',
      valueName: 'ADDR:PORT',
      description: 'only this TCP service',
    },
    'udp-service': {
      type: 'string',
      short: 'u',
      valueName: 'ADDR:PORT',
      description: 'only this UDP service',
    },
    'sctp-service': {
      type: 'string',
      valueName: 'ADDR:PORT',
      description: 'only this SCTP service',
    },
    'fwmark-service': {
      type: 'string',
      short: 'f',
      valueName: 'MARK',
      description: 'only this fwmark service',
    },
    ipv6: { type: 'boolean', short: '6', description: 'with -f: the IPv6 fwmark service' },
    json: {
      type: 'boolean',
      description: 'the services (or --timeout) as one JSON object, for scripts',
    },
    ...netnsOption,
  },
  examples: [
    'anycastd ipvs list -n',
    'anycastd ipvs list -n --stats --exact',
    'anycastd ipvs list -n -t 192.0.2.10:80',
    'anycastd ipvs list -c -n',
    'anycastd ipvs list --json --stats',
  ],
  async run({ options: o }, ctx) {
    const oneService: [string, string | undefined][] = [
      ['tcp', o['tcp-service']],
      ['udp', o['udp-service']],
      ['sctp', o['sctp-service']],
      ['fwmark', o['fwmark-service']],
    ];
    const chosen = oneService.filter(([, v]) => v !== undefined);
    const exclusive = [chosen.length > 0, o.timeout, o.daemon, o.connection].filter(Boolean).length;
    if (chosen.length > 1 || exclusive > 1) {
      throw new UsageError(
        'choose one of: a service (-t/-u/--sctp-service/-f), --connection, --timeout, --daemon',
        'anycastd ipvs list',
      );
    }
    if (o.connection && (o.stats || o.rate || o.thresholds || o['tun-info']))
      throw new UsageError(
        '--connection combines with -n and --persistent-conn only',
        'anycastd ipvs list',
      );
    if (o.json && (o.connection || o.daemon))
      throw new UsageError(
        '--json lists services (or --timeout), not connections or daemons',
        'anycastd ipvs list',
      );
    if (o.connection) {
      await listConnections(ctx.stdout, o.netns, o.numeric, o['persistent-conn']);
      return ExitCode.Ok;
    }
    if ((o.timeout || o.daemon) && (o.stats || o.rate || o.thresholds || o['persistent-conn'])) {
      throw new UsageError(
        '--timeout and --daemon do not combine with counter columns',
        'anycastd ipvs list',
      );
    }
    if (o.ipv6 && o['fwmark-service'] === undefined)
      throw new UsageError('-6 goes with -f only', 'anycastd ipvs list');
    const format = {
      numeric: o.numeric,
      stats: o.stats,
      rate: o.rate,
      thresholds: o.thresholds,
      persistentConn: o['persistent-conn'],
      tunInfo: o['tun-info'],
      exact: o.exact,
      nosort: o.nosort,
    };
    // Loaded here, not at start-up: other commands do not need them.
    const [format_, names, { parseServiceOption }, { withIpvs }] = await Promise.all([
      import('../../ipvs/ipvsadm/format.js'),
      import('../../ipvs/ipvsadm/names.js'),
      import('../../ipvs/ipvsadm/service-option.js'),
      import('./common.js'),
    ]);
    const { addressesOf, formatDaemons, formatList, formatListOne, formatTimeouts } = format_;
    const { loadServicesFile, numericNames, resolveNames } = names;
    let key: ServiceKey | undefined;
    if (chosen[0]) {
      const [kind, text] = chosen[0] as [string, string];
      const services = await loadServicesFile();
      try {
        key = await parseServiceOption(
          kind as 'tcp' | 'udp' | 'sctp' | 'fwmark',
          text,
          o.ipv6,
          services,
        );
      } catch (error) {
        throw new UsageError((error as Error).message, 'anycastd ipvs list');
      }
    }
    if (o.json) {
      const [{ tableJson }, { sortDestinations }] = await Promise.all([
        import('../../ipvs/table-json.js'),
        import('../../ipvs/ipvsadm/sort.js'),
      ]);
      // In ipvsadm -L's order, services and real servers, unless --nosort.
      const ordered = (table: readonly ServiceWithDestinations[]) =>
        format_
          .orderServices(table, format)
          .map((svc) =>
            o.nosort ? svc : { ...svc, destinations: sortDestinations(svc.destinations) },
          );
      const doc = await withIpvs(o.netns, async (ipvs): Promise<object> => {
        if (o.timeout) {
          const t = await ipvs.timeouts();
          return { tcp: t.tcp, tcp_fin: t.tcpFin, udp: t.udp };
        }
        const stats = o.stats || o.rate;
        if (key) {
          const svc = await ipvs.service(key);
          if (!svc) throw new CliError('No such service', ExitCode.Failure);
          return tableJson(
            [{ ...svc, destinations: await ipvs.destinations(key, { stats }) }],
            stats,
          );
        }
        return tableJson(ordered(await ipvs.dump({ stats })), stats);
      });
      ctx.stdout.write(`${JSON.stringify(doc)}\n`);
      return ExitCode.Ok;
    }
    const text = await withIpvs(o.netns, async (ipvs) => {
      if (o.timeout) return formatTimeouts(await ipvs.timeouts());
      if (o.daemon) return formatDaemons(await ipvs.daemons());
      if (key) {
        const svc = await ipvs.service(key);
        if (!svc) throw new CliError('No such service', ExitCode.Failure);
        const one = [{ ...svc, destinations: await ipvs.destinations(key) }];
        const names = o.numeric ? numericNames : await resolveNames(addressesOf(one));
        return formatListOne(one[0] as (typeof one)[0], format, names);
      }
      // Counters are decoded only for the listings that print them.
      const stats = o.stats || o.rate;
      const info = await ipvs.info();
      if (o.numeric) {
        // Each service is formatted as its destinations arrive and then dropped.
        const out: string[] = [format_.listHead(info, format)];
        const services = format_.orderServices(await ipvs.services({ stats }), format);
        await ipvs.eachWithDestinations(
          services,
          (svc) => out.push(format_.serviceBlock(svc, format, numericNames)),
          { stats },
        );
        return out.join('');
      }
      // Names are looked up together, so every address must be known first.
      const table = await ipvs.dump({ stats });
      return formatList(info, table, format, await resolveNames(addressesOf(table)));
    });
    ctx.stdout.write(text);
    return ExitCode.Ok;
  },
});

/**
 * Streams the entries out in blocks as they are read (-n), or reads them all
 * first when names are to be looked up, since lookups run together.
 */
async function listConnections(
  out: NodeJS.WritableStream,
  netns: string | undefined,
  numeric: boolean,
  persistent: boolean,
): Promise<void> {
  const [{ readConnections }, fmt, names, { mapError }] = await Promise.all([
    import('../../ipvs/conn-proc.js'),
    import('../../ipvs/ipvsadm/connections.js'),
    import('../../ipvs/ipvsadm/names.js'),
    import('./common.js'),
  ]);
  try {
    const entries = readConnections(netns);
    let block = fmt.connectionsHead(persistent);
    if (numeric) {
      for await (const c of entries) {
        block += fmt.connectionLine(c, persistent, names.numericNames, true);
        if (block.length >= 1 << 16) {
          if (!out.write(block)) await new Promise((r) => out.once('drain', r));
          block = '';
        }
      }
      out.write(block);
      return;
    }
    const all = [];
    for await (const c of entries) all.push(c);
    const resolved = await names.resolveNames(fmt.connectionAddresses(all));
    for (const c of all) block += fmt.connectionLine(c, persistent, resolved, false);
    out.write(block);
  } catch (error) {
    throw mapError(error);
  }
}
