/**
 * `anycastd check`: run one health check from the command line, exactly as
 * the daemon would run it, and say what it saw: the operator's first question
 * when a real server is drained ("what does the check get right now?").
 */
import { formatIssues } from '../input/issues.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { checkInput } from './check-args.js';
import { defineCommand } from './command.js';

export const checkCommand = defineCommand({
  name: 'check',
  summary: 'run one health check now and print what it sees',
  description: `
Runs a check of TYPE (tcp, http, https, udp, dns, grpc, exec, icmp, file) against ADDRESS
(with :PORT, or [IPv6]:PORT), with the same fields a config file's check takes,
written FIELD=VALUE (see the README's health-check reference). Numbers, true and
false, and JSON lists or mappings are read as such; dotted fields nest
(tls.verify=true, headers.X-Probe=1); a list value is JSON (status=[200,204]).

Without --watch it runs the check once: exit 0 when it passes, 1 when it fails,
3 when the check itself is invalid. With --watch it runs on the check's
interval with its rise and fall, printing every result and every change of
state, until interrupted.`,
  positionals: [
    { name: 'type', description: 'check type', required: true },
    { name: 'target', description: 'ADDRESS, ADDRESS:PORT or [IPv6]:PORT', required: true },
    { name: 'fields', description: 'FIELD=VALUE settings of the check', variadic: true },
  ],
  options: {
    watch: {
      type: 'boolean',
      short: 'w',
      description: 'keep checking and print each result and state change',
    },
    json: { type: 'boolean', description: 'print one JSON object per result' },
  },
  examples: [
    'anycastd check tcp 10.0.0.5:80',
    'anycastd check http 10.0.0.5:8080 path=/healthz status=200-299 timeout=500ms',
    'anycastd check https [2001:db8::5]:443 tls.sni=www.example tls.verify=true',
    'anycastd check dns 10.0.0.53 name=www.example qtype=AAAA transport=tcp',
    'anycastd check exec 10.0.0.5 \'command=["/usr/local/bin/probe","--fast"]\' --watch',
  ],
  async run({ options, args }, ctx) {
    // Loaded here, not at the top: the health modules bring zod and gRPC,
    // which every other command would otherwise pay for at start-up.
    const [{ parseCheck }, { runOnce }, { HealthEngine }] = await Promise.all([
      import('../health/spec.js'),
      import('../health/run-once.js'),
      import('../health/engine.js'),
    ]);
    const input = checkInput(args.type?.[0] ?? '', args.target?.[0] ?? '', args.fields ?? []);
    const parsed = parseCheck(input);
    if (parsed.issues) {
      throw new CliError(`invalid check:\n${formatIssues(parsed.issues)}`, ExitCode.InvalidInput);
    }
    const spec = parsed.spec;
    const print = (line: Record<string, unknown>, text: string) =>
      ctx.stdout.write(options.json ? `${JSON.stringify(line)}\n` : `${text}\n`);

    if (!options.watch) {
      const result = await runOnce(spec);
      print(
        {
          ok: result.ok,
          reason: result.reason,
          weight: result.weight,
          ms: Number(result.ms.toFixed(3)),
        },
        `${result.ok ? 'pass' : 'fail'}  ${result.reason}${result.weight === undefined ? '' : `  weight ${result.weight}`}  (${result.ms.toFixed(1)} ms)`,
      );
      return result.ok ? ExitCode.Ok : ExitCode.Failure;
    }

    const stamp = () => new Date().toISOString().slice(11, 23);
    const engine = new HealthEngine({
      onRun: (r) =>
        print(
          { event: 'result', ok: r.ok, reason: r.reason, ms: Number(r.durationMs.toFixed(3)) },
          `${stamp()}  ${r.ok ? 'pass' : 'fail'}  ${r.reason}  (${r.durationMs.toFixed(1)} ms)`,
        ),
      onEvent: (e) =>
        print(
          { event: 'state', from: e.from, to: e.to, reason: e.reason, weight: e.weight },
          `${stamp()}  state ${e.from} -> ${e.to}${e.weight === undefined ? '' : ` (weight ${e.weight})`}`,
        ),
    });
    engine.update([['check', { ...spec, timing: { ...spec.timing, spread: false } }]]);
    // Health timers do not keep the process alive; this does, until a signal.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      clearInterval(keepAlive);
      await engine.stop();
    }
    return ExitCode.Interrupted;
  },
});
