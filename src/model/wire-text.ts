/**
 * Text that a health check writes into a protocol (an HTTP request line or
 * header, a TLS server name, a DNS question): refused when it could change the
 * message's framing rather than its content.
 */

/** Why `text` cannot go into a request line or header as one token, or undefined. */
export function tokenProblem(text: string): string | undefined {
  const at = [...text].findIndex((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f);
  if (at < 0) return undefined;
  const code = [...text][at]?.charCodeAt(0) ?? 0;
  const what =
    code === 0x0d || code === 0x0a
      ? 'a line break'
      : code === 0x20
        ? 'a space'
        : `a control character (0x${code.toString(16).padStart(2, '0')})`;
  return `contains ${what}, which would change the request rather than its content`;
}

/**
 * Why `name` is not a DNS name, or undefined: labels of 1..63 bytes, 253 in
 * all without the root's dot (255 on the wire), printable ASCII.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '.') return undefined;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (!/^[\u0021-\u007e]+$/.test(bare)) return 'has characters other than printable ASCII';
  if (bare.length > 253) return `is ${bare.length} characters long; a name has at most 253`;
  const labels = bare.split('.');
  for (const [i, label] of labels.entries()) {
    if (label.length === 0) return `has an empty label (label ${i + 1})`;
    if (label.length > 63)
      return `has a label of ${label.length} characters (label ${i + 1}); at most 63`;
  }
  return undefined;
}
