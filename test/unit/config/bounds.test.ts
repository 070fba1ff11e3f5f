import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_CONFIG_BYTES,
  MAX_NESTING,
  readBounded,
  textBoundsProblem,
} from '../../../src/config/bounds.js';
import { loadConfigFile, parseConfigText } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'acd-bounds-'));

describe('configuration text is bounded before it is parsed', () => {
  it('reads a file up to the limit and refuses one byte more, endless files included', async () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'x'.repeat(1000));
    expect(await readBounded(file, 1000)).toHaveLength(1000);
    await expect(readBounded(file, 999)).rejects.toThrow(
      'it has 1000 bytes; a configuration may have at most',
    );
    await expect(readBounded('/dev/zero', 3 * 1024 * 1024)).rejects.toThrow(
      'more than 3 MiB; a configuration may have at most 3 MiB',
    );
  });

  it('refuses a file too large as a problem of the file, not a crash', async () => {
    const r = await loadConfigFile('/dev/zero');
    expect(r.issues?.[0]?.message).toMatch(/^refused \/dev\/zero: more than 64 MiB/);
  });

  it('bounds text in UTF-8 bytes, not in characters', () => {
    // Each 'é' is one character and two bytes: within the limit in characters, over it in bytes.
    const wide = `# ${'é'.repeat(MAX_CONFIG_BYTES / 2)}\n`;
    expect(wide.length).toBeLessThan(MAX_CONFIG_BYTES);
    expect(textBoundsProblem(wide)?.message).toBe(
      `a configuration may have at most ${MAX_CONFIG_BYTES} bytes`,
    );
    expect(textBoundsProblem(`# ${'é'.repeat(MAX_CONFIG_BYTES / 4)}\n`)).toBeUndefined();
  });

  it('refuses flow collections nested too deep, with the line, not counting quotes and comments', () => {
    const deep = (n: number) => `a:\n  b: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    expect(textBoundsProblem(deep(MAX_NESTING))).toBeUndefined();
    expect(textBoundsProblem(deep(MAX_NESTING + 1))).toEqual({
      message: `collections are nested more than ${MAX_NESTING} levels deep`,
      line: 2,
    });
    const quoted = `a: "${'['.repeat(200)}"\nb: '${'{'.repeat(200)}'\n# ${'['.repeat(200)}\n`;
    expect(textBoundsProblem(quoted)).toBeUndefined();
    expect(parseConfigText(deep(5000)).issues?.[0]).toMatchObject({
      message: expect.stringContaining('nested more than') as unknown,
      line: 2,
    });
  });

  it('turns too many aliases into a problem that says so', () => {
    const text = ['x: &a [1]', ...Array.from({ length: 150 }, (_, i) => `y${i}: *a`)].join('\n');
    const r = parseConfigText(text);
    expect(r.issues?.[0]?.message).toMatch(/^YAML: aliases expand too far \(at most 100/);
  });
});
