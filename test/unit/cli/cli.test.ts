import { describe, expect, it } from 'vitest';
import { rootCommand } from '../../../src/cli/root.js';
import { manifest } from '../../../src/version.js';
import { anycastd } from '../../lab/cli.js';

const cli = (...argv: string[]) => anycastd(argv);

describe('anycastd CLI', () => {
  it('prints help with commands and exit codes on --help, exit 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^anycastd — /);
    expect(r.stdout).toContain('version  print the version');
    expect(r.stdout).toMatch(/Exit codes:\n\s+0 {2}success/);
    expect(r.stderr).toBe('');
  });

  it('treats a bare invocation as a usage error and shows help on stderr', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: anycastd');
  });

  it('prints the version from package.json', async () => {
    const text = await cli('version');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`^anycastd ${manifest().version.replaceAll('.', '\\.')} \\(node v\\d+`),
    );
    const json = await cli('version', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'anycastd',
      version: manifest().version,
    });
    expect((await cli('-V')).stdout).toBe(text.stdout);
  });

  it.each([
    [
      ['bogus'],
      'anycastd: unknown command "bogus"; commands: check, completion, drain, import, ipvs, man, plan, realserver, reload, run, sidecar-guard, status, undrain, validate, version',
    ],
    [['version', '--bogus'], 'anycastd version: unknown option --bogus'],
    [['version', 'extra'], 'anycastd version: unexpected argument "extra"'],
    [['--log-level', 'loud', 'version'], '--log-level: "loud" is not one of fatal, error'],
    [['--log-level'], 'option --log-level needs a value'],
    [['--log-format', 'xml', 'version'], '--log-format: "xml" is not one of json, text'],
  ])('rejects %j with exit 2 naming the culprit', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/Run 'anycastd( version)? --help' for usage\./);
  });

  it.each([
    [['sidecar-guard', '--listen', '/x'], '--gobgp ADDRESS is required'],
    [['sidecar-guard', '--gobgp', 'unix:///x'], '--listen PATH is required'],
    [
      ['sidecar-guard', '--gobgp', 'unix:///x', '--listen', '/x', '--dead-time', '10'],
      '--dead-time: "10" is not a duration of at least 1s',
    ],
  ])('sidecar-guard refuses %j before starting anything', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('gives every command its own --help', async () => {
    for (const command of rootCommand.subcommands ?? []) {
      const r = await cli(command.name, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: anycastd ${command.name}`);
      expect(r.stdout).toContain(command.summary);
    }
  });

  it('accepts global options before or after the command', async () => {
    expect((await cli('--log-level', 'debug', 'version')).code).toBe(0);
    expect((await cli('version', '--log-level=warn')).code).toBe(0);
    expect((await cli('--log-format', 'text', 'version', '--log-format=json')).code).toBe(0);
    expect((await cli('-h', 'version')).stdout).toContain('Usage: anycastd version');
  });
});
