/**
 * `anycastd run --config FILE`: the director daemon. Wires the configuration,
 * the health engine, the IPVS client, the BGP module and the local API into
 * the daemon loop; SIGHUP reloads the file, SIGINT/SIGTERM stop it (routes
 * drained and withdrawn, IPVS left as it is).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../errors.js';
import { DEFAULT_CONFIG, configOption, defineCommand } from './command.js';
import type { LocatedIssue } from '../config/load.js';
import type { ConfigStatus } from '../daemon/daemon-status.js';

export const runCommand = defineCommand({
  name: 'run',
  summary: 'run the director daemon',
  description: `
Runs the daemon from FILE (see the README's configuration reference): health
checks for every real server, the IPVS table, and the VIPs' routes through the
GoBGP sidecar. It starts without flushing anything: the kernel's table and
GoBGP's routes are adopted, and no weight or route changes until the checks
have a verdict.

SIGHUP (or \`anycastd reload\`) re-reads FILE: a bad file is refused whole and
the daemon keeps running on the old one. SIGINT or SIGTERM stop it: routes get
the draining attributes for bgp.shutdown.drain_time, are withdrawn, the
sidecar stops; the IPVS table is left as it is.`,
  options: {
    config: { ...configOption, description: `the configuration file (${DEFAULT_CONFIG})` },
  },
  examples: ['anycastd run', 'anycastd run --config ./anycastd.yaml'],
  async run({ options }, ctx) {
    const file = options.config ?? DEFAULT_CONFIG;
    const { loadConfigFile, describeProblems, formatLocatedIssues } =
      await import('../config/load.js');
    const loaded = await loadConfigFile(file);
    if (loaded.issues) {
      ctx.stderr.write(describeProblems(file, loaded.issues));
      return ExitCode.InvalidInput;
    }
    const config = loaded.config;
    const configStatus: ConfigStatus = {
      file,
      sha256: loaded.sha256,
      included: loaded.included ?? [],
      loadedAt: new Date().toISOString(),
      lastReload: undefined,
    };
    const [
      { Daemon },
      { HealthEngine },
      { IpvsClient },
      { Metrics },
      { parseListen },
      state,
      drainTarget,
      vipAddresses,
      { procSysctls },
      { RtnlClient },
      { raiseFdLimit, checkDescriptorBudget },
      { DescriptorBudget },
      { DeferredRoutes },
      { watchLoopStalls },
      { sdNotify },
      { loadOffThread, prewarmParser },
    ] = await Promise.all([
      import('../daemon/daemon.js'),
      import('../health/engine.js'),
      import('../ipvs/client.js'),
      import('../daemon/metrics.js'),
      import('../input/listen.js'),
      import('../daemon/state-file.js'),
      import('../daemon/drain-target.js'),
      import('../daemon/vip-addresses.js'),
      import('../daemon/sysctl-port.js'),
      import('../netlink/rtnl.js'),
      import('../fd-limit.js'),
      import('../health/descriptor-budget.js'),
      import('../daemon/deferred-routes.js'),
      import('../loop-stall.js'),
      import('../sd-notify.js'),
      import('../config/load-off-thread.js'),
    ]);
    const log = ctx.log.child({ director: config.director.name });
    // Unreferenced: it never keeps a failed start alive.
    const stopWatch = watchLoopStalls(log);
    const warn = (warnings: readonly LocatedIssue[]) => {
      for (const w of warnings)
        log.warn(
          { event: 'config_warning', path: w.path, line: w.line },
          `${file}: ${w.path}: ${w.message}`,
        );
    };
    warn(loaded.warnings);
    // Under systemd (Type=notify): ready once running, and what it is doing meanwhile.
    const notify = (state: string) => {
      try {
        sdNotify(state);
      } catch (err) {
        log.warn({ event: 'sd_notify_failed', err: String(err) }, String(err));
      }
    };
    const token = config.api.tokenFile
      ? (await readFile(config.api.tokenFile, 'utf8')).trim()
      : undefined;
    const drains = await state.loadDrains(config.stateFile);
    const limit = raiseFdLimit();
    const descriptors = new DescriptorBudget(checkDescriptorBudget(limit?.soft ?? 1024));
    log.info(
      {
        event: 'descriptors',
        soft: limit?.soft,
        hard: limit?.hard,
        was: limit?.was,
        checks: descriptors.limit,
      },
      `open files: ${limit ? `limit ${limit.soft} (was ${limit.was}, hard ${limit.hard})` : 'limit unknown'}; checks may hold ${descriptors.limit}`,
    );
    // The gauges read the daemon's status at scrape time, once it exists.
    const status = () => ({ ...daemon.status(), config: { ...configStatus } });
    const metrics = new Metrics(status, descriptors);
    // Hooks as configured at start; a reload that changes them is said to wait for a restart.
    const notifier =
      config.notify.length > 0
        ? new (await import('../daemon/notify.js')).Notifier(
            config.notify,
            config.director.name,
            log.child({ component: 'notify' }),
          )
        : undefined;
    // The BGP module (gRPC, GoBGP's protos) loads while the daemon already programs IPVS.
    const bgp = new DeferredRoutes(
      async () => {
        const { Bgp } = await import('../bgp/speaker.js');
        return new Bgp({
          speaker: config.bgp.speaker,
          peers: config.bgp.peers,
          sidecar: config.bgp.sidecar,
          fleet: config.bgp.fleet,
          log: log.child({ component: 'bgp' }),
        });
      },
      {
        mode: config.bgp.sidecar.mode,
        address:
          config.bgp.sidecar.mode === 'external'
            ? config.bgp.sidecar.address
            : `unix://${join(config.bgp.sidecar.stateDir, 'gobgpd.sock')}`,
      },
    );
    const daemon = new Daemon({
      config,
      log: log.child({ component: 'daemon' }),
      openIpvs: () => IpvsClient.open(),
      addresses: new vipAddresses.RtnlAddresses(async () => RtnlClient.open()),
      sysctls: procSysctls,
      routes: bgp,
      health: (onEvent) =>
        new HealthEngine({
          onEvent,
          descriptors,
          onRun: (r) => metrics.checkRun(r),
          log: log.child({ component: 'health' }),
        }),
      onReconcile: (r) => metrics.reconciled(r),
      onVipState: (vip, route, why) => {
        metrics.vipChanged(vip, route);
        notifier?.notify({ kind: 'vip', vip, route, ...why });
      },
      onRealState: (service, to, why) => {
        metrics.realChanged(service, to);
        notifier?.notify({
          kind: 'real',
          service,
          state: to,
          address: why.address,
          port: why.port,
          was: why.from,
          reason: why.reason,
        });
      },
    });
    daemon.setDrains(drains);
    const listen = parseListen(config.api.listen);
    if (!listen) throw new UsageError(`api.listen: ${config.api.listen} is not an address`);
    // The API listens while the daemon starts: the table can be programmed and the
    // checks running well before the BGP side is up, and status should say so.
    const starting = daemon.start().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );

    // One reload at a time, in the order asked: each parses in a worker, and a
    // slower earlier parse must not land after a later one.
    // Services in the configuration running, for systemd's status line.
    let running = config.services.length;
    let reloading: Promise<unknown> = Promise.resolve();
    const reload = () => {
      const next = reloading.then(reloadOnce, reloadOnce);
      reloading = next;
      return next;
    };
    const reloadOnce = async () => {
      notify('RELOADING=1');
      const parseStarted = performance.now();
      const r = await loadOffThread({ file });
      const parseMs = Math.round(performance.now() - parseStarted);
      const at = new Date().toISOString();
      metrics.reloaded(!r.issues);
      if (r.issues) {
        const n = r.issues.length;
        notify(
          `READY=1\nSTATUS=running: ${running} services; the last reload was refused (${n} problem${n === 1 ? '' : 's'})`,
        );
        configStatus.lastReload = {
          at,
          ok: false,
          problems: r.issues.length,
          first: r.issues[0] && formatLocatedIssues([r.issues[0]]).trim(),
        };
        log.error(
          { event: 'reload_refused', issues: r.issues },
          `${file}: refused, still running on the previous configuration`,
        );
        return {
          ok: false,
          message: `${file}: ${r.issues.length} problems; still running on the previous configuration`,
          issues: r.issues,
        };
      }
      warn(r.warnings);
      if (JSON.stringify(r.config.notify) !== JSON.stringify(config.notify))
        log.warn(
          { event: 'reload_not_applied', field: 'notify' },
          'notify hooks change at the next start; the ones loaded at start still run',
        );
      if (r.config.metrics.listen !== config.metrics.listen)
        log.warn(
          { event: 'reload_not_applied', field: 'metrics.listen' },
          `metrics.listen changes at the next start; it stays ${config.metrics.listen ?? 'off'}`,
        );
      daemon.reload(r.config, { parseMs });
      running = r.config.services.length;
      notify(`READY=1\nSTATUS=running: ${running} services`);
      Object.assign(configStatus, { sha256: r.sha256, included: r.included ?? [], loadedAt: at });
      configStatus.lastReload = { at, ok: true, problems: 0, first: undefined };
      return { ok: true, message: `${file}: reloaded` };
    };
    const { startApi, ServiceUnavailable } = await import('../api/server.js');
    const startReadOnlyListener = async (text: string) => {
      const { startReadOnly } = await import('../api/read-only.js');
      const where = parseListen(text);
      if (!where) throw new UsageError(`metrics.listen: ${text} is not an address`);
      return startReadOnly(
        where,
        { status, metrics: () => metrics.text() },
        log.child({ component: 'metrics' }),
      );
    };
    const { IpvsUnavailableError } = await import('../ipvs/errors.js');
    const api = await startApi(
      listen,
      token,
      {
        status,
        metrics: () => metrics.text(),
        reload,
        plan: async (text) => {
          const r = await loadOffThread({ text });
          if (r.issues)
            return { ok: false, message: `${r.issues.length} problems`, issues: r.issues };
          try {
            return { ok: true, message: 'plan', ...(await daemon.plan(r.config)) };
          } catch (err) {
            if (err instanceof IpvsUnavailableError)
              throw new ServiceUnavailable(
                `cannot plan without the kernel's table: ${err.message}`,
              );
            throw err;
          }
        },
        drain: async (text, on) => {
          const target = drainTarget.resolveDrainTarget(text, daemon.currentConfig);
          if (typeof target === 'string') return { ok: false, message: target };
          const next = drainTarget.applyDrain(daemon.drainState, target, on);
          await state.saveDrains(config.stateFile, next);
          daemon.setDrains(next);
          const message = `${on ? 'drained' : 'undrained'} ${drainTarget.describeTarget(target)}`;
          log.info({ event: on ? 'drained' : 'undrained', target: text }, message);
          return { ok: true, message };
        },
      },
      log.child({ component: 'api' }),
    ).catch(async (err: unknown) => {
      // Nothing half-started: without its API the daemon would run unseen.
      if ((await starting) === undefined) await daemon.stop('withdraw');
      throw err;
    });
    const readOnly = config.metrics.listen
      ? await startReadOnlyListener(config.metrics.listen).catch(async (err: unknown) => {
          if ((await starting) === undefined) await daemon.stop('withdraw');
          await api.close();
          throw err;
        })
      : undefined;
    const failed = await starting;
    if (failed) {
      await readOnly?.close();
      await api.close();
      throw failed;
    }
    notify(`READY=1\nSTATUS=running: ${running} services`);
    // Loaded now, once the start is done, so that a reload does not wait for the parser to load.
    prewarmParser();
    const onHup = () => void reload();
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    process.off('SIGHUP', onHup);
    notify('STOPPING=1');
    stopWatch();
    await readOnly?.close();
    await api.close();
    await daemon.stop('withdraw');
    // The stop's own route changes ran hooks: let them end, within their timeouts.
    if (notifier) {
      const longest = Math.max(...config.notify.map((h) => h.timeoutMs));
      await Promise.race([notifier.idle(), new Promise((r) => setTimeout(r, longest + 1000))]);
    }
    ctx.stopped?.();
    return ExitCode.Ok;
  },
});
