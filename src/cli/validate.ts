/**
 * `anycastd validate --config FILE`: reads a configuration exactly as the
 * daemon would and reports every problem with its path, line and value, or
 * what the file declares. `--schema` prints the JSON Schema editors use.
 */
import { ExitCode } from '../exit-codes.js';
import { DEFAULT_CONFIG, configOption, defineCommand } from './command.js';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'check a configuration file and report every problem in it',
  description: `
Reads FILE as the daemon would (YAML, see the README's configuration
reference) and reports every problem, each with its path in the document, its
line and the offending value. Exit 0 when the file is valid, 3 when it is not.
A valid file may still get warnings (on stderr): settings known to hurt, such
as mh across directors without sloppy_tcp; they do not change the exit code.
With --schema, prints the configuration's JSON Schema instead (for editors:
yaml-language-server and others).`,
  options: {
    config: { ...configOption, description: `the configuration file (${DEFAULT_CONFIG})` },
    json: { type: 'boolean', description: 'print one JSON object instead of text' },
    schema: { type: 'boolean', description: 'print the JSON Schema of the configuration and exit' },
  },
  examples: ['anycastd validate --config /etc/anycastd/anycastd.yaml'],
  async run({ options }, ctx) {
    if (options.schema) {
      const { configJsonSchema } = await import('../config/json-schema.js');
      ctx.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return ExitCode.Ok;
    }
    const file = options.config ?? DEFAULT_CONFIG;
    const { loadConfigFile, describeProblems, locate } = await import('../config/load.js');
    const r = await loadConfigFile(file);
    if (r.issues) {
      if (options.json) ctx.stdout.write(`${JSON.stringify({ valid: false, issues: r.issues })}\n`);
      else ctx.stderr.write(describeProblems(file, r.issues));
      return ExitCode.InvalidInput;
    }
    const c = r.config;
    const warnings = r.warnings;
    const summary = {
      valid: true,
      director: c.director.name,
      services: c.services.length,
      ipvsServices: c.services.reduce((n, s) => n + s.services.length, 0),
      realServers: c.services.reduce((n, s) => n + s.reals.length, 0),
      vips: new Set(c.services.map((s) => s.vip)).size,
      peers: c.bgp.peers.length,
      included: r.included ?? [],
      warnings,
    };
    if (options.json) ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      for (const w of warnings) ctx.stderr.write(`${file}: warning: ${locate(w)}: ${w.message}\n`);
      ctx.stdout.write(
        `${file}: valid — director ${summary.director}, ${summary.vips} VIPs, ` +
          `${summary.services} services (${summary.ipvsServices} IPVS services), ` +
          `${summary.realServers} real servers, ${summary.peers} BGP peers` +
          (summary.included.length > 0
            ? `, from ${summary.included.length + 1} files (${summary.included.map((p) => p.file).join(', ')})`
            : '') +
          (warnings.length > 0
            ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`
            : '') +
          '\n',
      );
    }
    return ExitCode.Ok;
  },
});
