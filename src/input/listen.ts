/**
 * The status API's address: `unix:///path` (the default; access is the
 * socket file's permissions) or `host:port` / `[v6]:port` for TCP.
 */
export type ListenAddress =
  { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export function parseListen(text: string): ListenAddress | undefined {
  if (text.startsWith('unix://')) {
    const path = text.slice('unix://'.length);
    return path.startsWith('/') ? { kind: 'unix', path } : undefined;
  }
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host: m[1] ?? '', port };
}
