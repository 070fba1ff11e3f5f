/** `anycastd version`: what is running, for bug reports and fleet inventories. */
import { arch, platform, release } from 'node:os';
import { ExitCode } from '../exit-codes.js';
import { manifest } from '../version.js';
import { defineCommand } from './command.js';

export const versionCommand = defineCommand({
  name: 'version',
  summary: 'print the version of anycastd and of its runtime',
  options: {
    json: { type: 'boolean', description: 'print one JSON object instead of text' },
  },
  async run({ options }, ctx) {
    const info = {
      name: manifest().name,
      version: manifest().version,
      node: process.version,
      platform: platform(),
      arch: arch(),
      kernel: release(),
    };
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(info)}\n`);
    } else {
      ctx.stdout.write(
        `${info.name} ${info.version} (node ${info.node}, ${info.platform} ${info.arch}, kernel ${info.kernel})\n`,
      );
    }
    return ExitCode.Ok;
  },
});
