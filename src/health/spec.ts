/**
 * Health-check specifications: the typed form the engine runs, and the parser
 * that turns user input (YAML-shaped, snake_case) into it, refusing anything
 * wrong with the field named. Durations are milliseconds inside.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration } from '../input/duration-field.js';
import { formatDuration } from '../input/duration.js';
import { InvalidInputError, type Issue, fromZod, refusing, show } from '../input/issues.js';
import { dnsNameProblem, tokenProblem } from '../model/wire-text.js';

/** Where a probe goes. */
export interface Target {
  address: string;
  /** 0 only for exec checks that don't need one. */
  port: number;
  /** Local address to connect from. */
  source?: string | undefined;
}

export type InitialState = 'unknown' | 'up' | 'down';

export interface Timing {
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive passes to become up. */
  rise: number;
  /** Consecutive failures to become down. */
  fall: number;
  /** Interval while a transition is pending (some passes or failures counted). */
  fastIntervalMs: number;
  initial: InitialState;
  /** Start the first probe at a random point within the interval. */
  spread: boolean;
}

export interface TlsOptions {
  sni?: string | undefined;
  verify: boolean;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

export interface TcpProbe {
  type: 'tcp';
  target: Target;
  send?: Uint8Array | undefined;
  expect?: Uint8Array | undefined;
}

/** An inclusive range of HTTP status codes. */
export interface StatusRange {
  from: number;
  to: number;
}

export interface HttpProbe {
  type: 'http' | 'https';
  target: Target;
  method: string;
  path: string;
  host?: string | undefined;
  headers: Readonly<Record<string, string>>;
  status: readonly StatusRange[];
  bodyMatch?: RegExp | undefined;
  bodyNotMatch?: RegExp | undefined;
  /** The MD5 of the whole body, lower-case hex (keepalived's url digest). */
  bodyMd5?: string | undefined;
  maxBodyBytes: number;
  tls: TlsOptions;
}

export type UdpMatch = 'exact' | 'prefix' | 'regex';

export interface UdpProbe {
  type: 'udp';
  target: Target;
  send: Uint8Array;
  /** Expected reply; undefined accepts any reply. */
  expect?: Uint8Array | RegExp | undefined;
  match: UdpMatch;
  /** No reply within the timeout counts as a pass (ICMP unreachable still fails). */
  silenceIsUp: boolean;
}

export interface DnsProbe {
  type: 'dns';
  target: Target;
  name: string;
  qtype: number;
  transport: 'udp' | 'tcp';
  rcode: number;
  /** An answer that must be among the returned records, in presentation form. */
  answer?: string | undefined;
}

export interface GrpcProbe {
  type: 'grpc';
  target: Target;
  service: string;
  tls?: TlsOptions | undefined;
}

export interface ExecProbe {
  type: 'exec';
  target: Target;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Runs as this user (name or uid): `nobody` unless the check asks for another, root included. */
  user: string;
  /** And this group; the user's own by default. */
  group?: string | undefined;
  /** Exit code 1 is down, 0 up, 2..255 up with weight code−2 (keepalived's misc_dynamic). */
  dynamicWeight: boolean;
}

/** ICMP echo: `size` bytes of payload (the request is 8 bytes more). */
export interface IcmpProbe {
  type: 'icmp';
  target: Target;
  size: number;
}

/**
 * A file an operator (or a tool) writes, as keepalived's FILE_CHECK reads
 * one: `status`, a number where 0 passes and anything else fails; `weight`,
 * a number that is the real server's weight (0 drains it).
 */
export interface FileProbe {
  type: 'file';
  target: Target;
  /** With the real server's address and port put in for {address} and {port}. */
  path: string;
  mode: 'status' | 'weight';
  /** A file that is not there: down (default) or up. */
  missing: 'down' | 'up';
}

export type ProbeSpec =
  TcpProbe | HttpProbe | UdpProbe | DnsProbe | GrpcProbe | ExecProbe | IcmpProbe | FileProbe;
export type CheckType = ProbeSpec['type'];

/** A whole check: what to probe and when. */
export interface CheckSpec {
  probe: ProbeSpec;
  timing: Timing;
}

/** Defaults for the target, from the real server the check belongs to. */
export interface TargetDefaults {
  address?: string | undefined;
  port?: number | undefined;
}

export const DNS_TYPES: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  ANY: 255,
};

export const DNS_RCODES: Readonly<Record<string, number>> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};

export const CHECK_TYPES: readonly CheckType[] = [
  'tcp',
  'http',
  'https',
  'udp',
  'dns',
  'grpc',
  'exec',
  'icmp',
  'file',
];
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;
const DEFAULT_PORTS: Partial<Record<CheckType, number>> = { http: 80, https: 443, dns: 53 };

const ipAddress = z.string().refine((s) => isIP(s) !== 0, {
  error: (iss) => `${show(iss.input)} is not an IP address`,
});
const port = z.number().int().min(1).max(65535);
const count = z.number().int().min(1).max(100);
const headerToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A string written into a request as one token (path, host, server name, service). */
const token = (base: z.ZodString) => base.superRefine(refusing(tokenProblem));

const tlsSchema = z
  .object({
    sni: token(z.string().min(1)).optional(),
    verify: z.boolean().default(false),
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), {
    error: 'cert and key must be given together',
  });

const regex = z.string().transform((s, ctx) => {
  try {
    return new RegExp(s);
  } catch (e) {
    ctx.addIssue({
      code: 'custom',
      message: `${show(s)} is not a valid regular expression: ${(e as Error).message}`,
    });
    return z.NEVER;
  }
});

const statusEntry = z.union([z.number(), z.string()]).transform((v, ctx): StatusRange => {
  const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(String(v));
  const from = m ? Number(m[1]) : NaN;
  const to = m?.[2] !== undefined ? Number(m[2]) : from;
  if (!m || from < 100 || to > 599 || from > to) {
    ctx.addIssue({
      code: 'custom',
      message: `${show(v)} is not a status code or range (e.g. 200 or "200-399")`,
    });
    return z.NEVER;
  }
  return { from, to };
});

const common = {
  address: ipAddress.optional(),
  port: port.optional(),
  source: ipAddress.optional(),
  interval: duration(10, 3_600_000).default(2000),
  timeout: duration(1, 3_600_000).default(1000),
  fast_interval: duration(10, 3_600_000).optional(),
  rise: count.default(2),
  fall: count.default(3),
  initial: z.enum(['unknown', 'up', 'down']).default('unknown'),
  spread: z.boolean().default(true),
};

const payloadFields = {
  send: z.string().optional(),
  expect: z.string().optional(),
  payload: z.enum(['text', 'hex']).default('text'),
};

/**
 * What a program is run with, for exec checks and notify hooks alike: its
 * environment's variable names, and the account (`nobody` by default).
 */
export const programFields = {
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: (iss) => `${show(iss.input)} is not a valid environment variable name`,
      }),
      z.string(),
    )
    .default({}),
  user: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/)
    .default('nobody'),
  group: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/)
    .optional(),
};

export const checkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tcp'), ...common, ...payloadFields }).strict(),
  z
    .object({
      type: z.enum(['http', 'https']),
      ...common,
      method: z.enum(HTTP_METHODS).default('GET'),
      path: token(z.string().startsWith('/')).default('/'),
      host: token(z.string().min(1)).optional(),
      headers: z
        .record(
          z.string().regex(headerToken, {
            error: (iss) => `${show(iss.input)} is not a valid header name`,
          }),
          z.string().refine((v) => !/[\r\n]/.test(v), {
            error: 'header values cannot contain line breaks',
          }),
        )
        .default({}),
      status: z.union([statusEntry, z.array(statusEntry).min(1)]).default([{ from: 200, to: 399 }]),
      body_match: regex.optional(),
      body_not_match: regex.optional(),
      body_md5: z
        .string()
        .refine((s) => /^[0-9a-fA-F]{32}$/.test(s), {
          error: (iss) => `${show(iss.input)} is not an MD5 (32 hex digits)`,
        })
        .transform((s) => s.toLowerCase())
        .optional(),
      max_body_bytes: z
        .number()
        .int()
        .min(0)
        .max(16 * 1024 * 1024)
        .default(65536),
      tls: tlsSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('udp'),
      ...common,
      ...payloadFields,
      send: z.string(),
      match: z.enum(['exact', 'prefix', 'regex']).default('exact'),
      silence_is_up: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('dns'),
      ...common,
      name: z.string().superRefine(refusing(dnsNameProblem)),
      qtype: z
        .union([
          z.enum(Object.keys(DNS_TYPES) as [string, ...string[]]),
          z.number().int().min(1).max(65535),
        ])
        .default('A'),
      transport: z.enum(['udp', 'tcp']).default('udp'),
      rcode: z.enum(Object.keys(DNS_RCODES) as [string, ...string[]]).default('NOERROR'),
      answer: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('grpc'),
      ...common,
      service: z.string().superRefine(refusing(tokenProblem)).default(''),
      tls: tlsSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('exec'),
      ...common,
      command: z.array(z.string().min(1)).min(1),
      ...programFields,
      dynamic_weight: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('icmp'),
      ...common,
      /** Payload bytes after the 8-byte ICMP header; 56 as ping sends. */
      size: z.number().int().min(8).max(1472).default(56),
    })
    .strict(),
  z
    .object({
      type: z.literal('file'),
      ...common,
      path: z
        .string()
        .startsWith('/', { error: 'must be an absolute path' })
        .refine((s) => !s.includes('\0'), { error: 'cannot contain a NUL character' }),
      mode: z.enum(['status', 'weight']).default('status'),
      missing: z.enum(['down', 'up']).default('down'),
    })
    .strict(),
]);

type Parsed = z.output<typeof checkSchema>;
/** Types without a port: exec runs a program, icmp has none, file reads a file. */
const PORTLESS = new Set<CheckType>(['exec', 'icmp', 'file']);

function payload(
  text: string | undefined,
  encoding: 'text' | 'hex',
  field: string,
  issues: Issue[],
  base: string,
) {
  if (text === undefined) return undefined;
  if (encoding === 'text') return new TextEncoder().encode(text);
  const hex = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    issues.push({ path: `${base}${field}`, message: `${show(text)} is not hex (pairs of 0-9a-f)` });
    return undefined;
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function toProbe(p: Parsed, target: Target, issues: Issue[], base: string): ProbeSpec {
  switch (p.type) {
    case 'tcp':
      return {
        type: 'tcp',
        target,
        send: payload(p.send, p.payload, 'send', issues, base),
        expect: payload(p.expect, p.payload, 'expect', issues, base),
      };
    case 'http':
    case 'https':
      if (p.type === 'http' && p.tls)
        issues.push({ path: `${base}tls`, message: 'only https checks use tls' });
      return {
        type: p.type,
        target,
        method: p.method,
        path: p.path,
        host: p.host,
        headers: p.headers,
        status: Array.isArray(p.status) ? p.status : [p.status],
        bodyMatch: p.body_match,
        bodyNotMatch: p.body_not_match,
        bodyMd5: p.body_md5,
        maxBodyBytes: p.max_body_bytes,
        tls: p.tls ?? { verify: false },
      };
    case 'udp': {
      let expect: Uint8Array | RegExp | undefined;
      if (p.expect !== undefined && p.match === 'regex') {
        try {
          expect = new RegExp(p.expect);
        } catch (e) {
          issues.push({
            path: `${base}expect`,
            message: `${show(p.expect)} is not a valid regular expression: ${(e as Error).message}`,
          });
        }
      } else {
        expect = payload(p.expect, p.payload, 'expect', issues, base);
      }
      return {
        type: 'udp',
        target,
        send: payload(p.send, p.payload, 'send', issues, base) ?? new Uint8Array(),
        expect,
        match: p.match,
        silenceIsUp: p.silence_is_up,
      };
    }
    case 'dns':
      return {
        type: 'dns',
        target,
        name: p.name,
        qtype: typeof p.qtype === 'number' ? p.qtype : (DNS_TYPES[p.qtype] as number),
        transport: p.transport,
        rcode: DNS_RCODES[p.rcode] as number,
        answer: p.answer,
      };
    case 'grpc':
      return { type: 'grpc', target, service: p.service, tls: p.tls };
    case 'exec':
      return {
        type: 'exec',
        target,
        command: p.command,
        env: p.env,
        user: p.user,
        group: p.group,
        dynamicWeight: p.dynamic_weight,
      };
    case 'icmp':
      return { type: 'icmp', target, size: p.size };
    case 'file':
      return {
        type: 'file',
        target,
        // One check at the service level then reads one file per real server.
        path: p.path
          .replaceAll('{address}', target.address)
          .replaceAll('{port}', String(target.port)),
        mode: p.mode,
        missing: p.missing,
      };
  }
}

/**
 * Parses one check from user input. `defaults` supplies the real server's
 * address and port when the check does not name its own; `path` prefixes
 * issue paths (e.g. `services[0].check`). Returns the spec or every issue.
 */
export function parseCheck(
  input: unknown,
  defaults: TargetDefaults = {},
  path = '',
): { spec: CheckSpec; issues?: undefined } | { spec?: undefined; issues: Issue[] } {
  const type = (input as { type?: unknown } | null)?.type;
  if (typeof input === 'object' && input !== null && !CHECK_TYPES.includes(type as CheckType)) {
    const message =
      type === undefined
        ? `is required (one of ${CHECK_TYPES.join(', ')})`
        : `must be one of ${CHECK_TYPES.join(', ')}, got ${show(type)}`;
    return { issues: [{ path: join(path, 'type'), message }] };
  }
  const r = checkSchema.safeParse(input);
  if (!r.success)
    return { issues: fromZod(r.error, input).map((i) => ({ ...i, path: join(path, i.path) })) };
  const p = r.data;
  const base = path ? `${path}.` : '';
  const issues: Issue[] = [];

  const address = p.address ?? defaults.address;
  const targetPort =
    p.type === 'icmp'
      ? undefined
      : (p.port ?? (p.type === 'exec' ? undefined : (defaults.port ?? DEFAULT_PORTS[p.type])));
  if (p.type === 'icmp' && p.port !== undefined)
    issues.push({ path: `${base}port`, message: 'icmp checks have no port' });
  if (address === undefined)
    issues.push({
      path: `${base}address`,
      message: 'is required (no real server address to default to)',
    });
  if (targetPort === undefined && !PORTLESS.has(p.type)) {
    issues.push({
      path: `${base}port`,
      message: `is required for ${p.type} checks (no real server port to default to)`,
    });
  }
  if (address !== undefined && p.source !== undefined && isIP(address) !== isIP(p.source)) {
    issues.push({
      path: `${base}source`,
      message: `${show(p.source)} is not of the same address family as ${show(address)}`,
    });
  }
  if (p.timeout >= p.interval) {
    issues.push({
      path: `${base}timeout`,
      message: `${formatDuration(p.timeout)} must be shorter than the interval (${formatDuration(p.interval)})`,
    });
  }
  const fast = p.fast_interval ?? p.interval;
  if (p.fast_interval !== undefined && fast <= p.timeout) {
    issues.push({
      path: `${base}fast_interval`,
      message: `${formatDuration(fast)} must be longer than the timeout (${formatDuration(p.timeout)})`,
    });
  }
  const target: Target = { address: address ?? '', port: targetPort ?? 0, source: p.source };
  const probe = toProbe(p, target, issues, base);
  if (issues.length) return { issues };
  const timing: Timing = {
    intervalMs: p.interval,
    timeoutMs: p.timeout,
    rise: p.rise,
    fall: p.fall,
    fastIntervalMs: fast,
    initial: p.initial,
    spread: p.spread,
  };
  return { spec: { probe, timing } };
}

/** Like parseCheck, but throws InvalidInputError listing every issue. */
export function parseCheckOrThrow(
  input: unknown,
  defaults?: TargetDefaults,
  path?: string,
): CheckSpec {
  const r = parseCheck(input, defaults, path);
  if (r.issues) throw new InvalidInputError('invalid health check', r.issues);
  return r.spec;
}

function join(head: string, rest: string): string {
  if (!head) return rest;
  if (!rest) return head;
  return rest.startsWith('[') ? head + rest : `${head}.${rest}`;
}
