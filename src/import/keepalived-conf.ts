/**
 * keepalived.conf's syntax, pure: one statement per line (a keyword and its
 * arguments), a statement may open a block with `{` closed by `}`, comments
 * start with `#` or `!`, and double quotes keep spaces in an argument. The
 * result is a tree of statements with their line numbers; what they mean is
 * for src/import/keepalived.ts.
 */

export interface Statement {
  key: string;
  args: string[];
  line: number;
  /** Present when the statement opens a block. */
  block?: Statement[];
}

type Token = { text: string; line: number; quoted: boolean } | { text: '\n'; line: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    let j = 0;
    while (j < raw.length) {
      const c = raw[j] as string;
      if (c === '#' || c === '!') break;
      if (/\s/.test(c)) {
        j++;
        continue;
      }
      if (c === '{' || c === '}') {
        tokens.push({ text: c, line, quoted: false });
        j++;
        continue;
      }
      if (c === '"') {
        const end = raw.indexOf('"', j + 1);
        const stop = end === -1 ? raw.length : end;
        tokens.push({ text: raw.slice(j + 1, stop), line, quoted: true });
        j = stop + 1;
        continue;
      }
      let k = j;
      while (k < raw.length && !/[\s{}"]/.test(raw[k] as string)) k++;
      tokens.push({ text: raw.slice(j, k), line, quoted: false });
      j = k;
    }
    tokens.push({ text: '\n', line });
  });
  return tokens;
}

export class ConfSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ConfSyntaxError';
  }
}

/** Parses the text into statements; unbalanced braces are errors with their line. */
export function parseKeepalivedConf(text: string): Statement[] {
  const tokens = tokenize(text);
  let i = 0;
  const isBrace = (t: Token | undefined, b: string) =>
    t !== undefined && t.text === b && !('quoted' in t && t.quoted);
  const block = (depth: number, openedAt: number): Statement[] => {
    const out: Statement[] = [];
    let current: Statement | undefined;
    while (i < tokens.length) {
      const t = tokens[i++] as Token;
      if (t.text === '\n') {
        current = undefined;
        continue;
      }
      if (isBrace(t, '}')) {
        if (depth === 0) throw new ConfSyntaxError(t.line, 'a "}" closes no block');
        return out;
      }
      if (isBrace(t, '{')) {
        // A block opened on its own line belongs to the statement before it.
        const owner = current ?? out.at(-1);
        if (!owner) throw new ConfSyntaxError(t.line, 'a "{" opens a block for no statement');
        owner.block = block(depth + 1, t.line);
        current = undefined;
        continue;
      }
      if (!current) {
        current = { key: t.text, args: [], line: t.line };
        out.push(current);
      } else current.args.push(t.text);
    }
    if (depth > 0) throw new ConfSyntaxError(openedAt, 'this "{" is never closed');
    return out;
  };
  return block(0, 0);
}
