/**
 * ipvsadm rules kept as shell commands (`ipvsadm -A -t ...` lines, as in
 * start scripts and ipvsadm's manual) into the rules `ipvsadm -S` writes,
 * pure. Each line keeps its number; what is not an ipvsadm command in such a
 * file is blanked and named, never run or guessed at.
 */

/** `ipvsadm`, `/sbin/ipvsadm`, optionally after `sudo`. */
const COMMAND = /^(?:sudo\s+)?(?:\S*\/)?ipvsadm(?:\s+|$)/;

export interface CommandLines {
  /** The rules, one per input line (blank where a line was not a rule). */
  text: string;
  notes: string[];
  /** Lines that use the shell in a way that cannot be read as rules. */
  errors: { line: number; message: string }[];
}

export function commandLines(text: string): CommandLines {
  const lines = text.split('\n');
  const isComment = (l: string) => l.trim() === '' || l.trim().startsWith('#');
  if (!lines.some((l) => !isComment(l) && COMMAND.test(l.trim())))
    return { text, notes: [], errors: [] };
  const notes: string[] = [];
  const errors: CommandLines['errors'] = [];
  const out = lines.map((raw, i) => {
    const line = raw.trim();
    if (isComment(line)) return '';
    const m = COMMAND.exec(line);
    if (!m) {
      notes.push(`line ${i + 1}: not an ipvsadm command, skipped: ${line}`);
      return '';
    }
    // A comment after the command is the shell's, not ipvsadm's.
    const rule = line.slice(m[0].length).replace(/\s+#.*$/, '');
    if (/^(?:-[lLS]\S*|--list|--save|-h|--help|-v|--version)(?:\s|$)/.test(rule)) {
      notes.push(`line ${i + 1}: lists or prints, changes nothing; skipped: ${line}`);
      return '';
    }
    if (/[$`]|\\$|[;&|<>]/.test(rule)) {
      errors.push({
        line: i + 1,
        message:
          'uses the shell (variables, substitutions, continuations, pipes or several commands): write the values out',
      });
      return '';
    }
    return rule;
  });
  return { text: out.join('\n'), notes, errors };
}
