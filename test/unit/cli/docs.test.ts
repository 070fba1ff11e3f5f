import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderBashCompletion } from '../../../src/cli/completion.js';
import { leaves, renderManPage, text } from '../../../src/cli/manpage.js';
import { commandPath, globalOptions } from '../../../src/cli/parse.js';
import { rootCommand } from '../../../src/cli/root.js';

describe('anycastd(8)', () => {
  const page = renderManPage(rootCommand, { version: '9.8.7', date: '2026-01-02' });

  it('has a section for every command that runs, with each of its options', () => {
    const paths = leaves([rootCommand]).filter((p) => p.length > 1);
    expect(paths.map(commandPath)).toContain('anycastd ipvs restore');
    for (const path of paths) {
      expect(page).toContain(`.SS ${text(commandPath(path))}\n`);
      for (const name of Object.keys(path[path.length - 1]?.options ?? {})) {
        expect(page).toContain(`\\fB\\-\\-${text(name)}\\fR`);
      }
    }
    for (const name of Object.keys(globalOptions)) expect(page).toContain(`\\-\\-${text(name)}`);
  });

  it('carries the version and date in its title line and escapes roff', () => {
    expect(page.split('\n')[0]).toBe(
      '.TH ANYCASTD 8 "2026-01-02" "anycastd 9.8.7" "System Administration"',
    );
    expect(text('.start \\ -x')).toBe('\\&.start \\e \\-x');
    // No line may start with a dot that roff would read as an unknown request.
    const requests = new Set(['TH', 'SH', 'SS', 'PP', 'TP', 'RS', 'RE', 'nf', 'fi', 'B', 'I']);
    for (const line of page.split('\n').filter((l) => l.startsWith('.'))) {
      expect(requests, line).toContain(line.slice(1).split(' ')[0]);
    }
  });
});

describe('bash completion', () => {
  const script = renderBashCompletion(rootCommand);

  /** Completes the words (the last is the one under the cursor) in a real bash. */
  function complete(...words: string[]): string[] {
    const out = execFileSync(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _anycastd; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash',
        ...words,
      ],
      { encoding: 'utf8' },
    );
    return out.split('\n').filter((l) => l !== '');
  }

  it('completes commands, subcommands, options and option choices', () => {
    expect(complete('anycastd', 'ip')).toEqual(['ipvs']);
    expect(complete('anycastd', 'ipvs', '')).toEqual(['list', 'save', 'restore']);
    expect(complete('anycastd', 'ipvs', 'list', '--num')).toEqual(['--numeric']);
    expect(complete('anycastd', 'run', '--log-format', '')).toEqual(['json', 'text']);
    expect(complete('anycastd', 'status', '--log-l')).toEqual(['--log-level']);
  });
});
