/**
 * The structure of anycastd's YAML configuration, as zod schemas: field
 * names, types, ranges and defaults. Checks are kept as raw input here and
 * parsed by the health module (src/health/spec.ts) once defaults are merged;
 * rules that span fields (duplicates, thresholds that cannot be met) live in
 * ./validate.ts. Unknown fields are errors everywhere: a typo must not pass
 * silently.
 */
import { z } from 'zod';
import { programFields } from '../health/spec.js';
import { SCHEDULERS } from '../ipvs/model.js';
import { IPVS_SYSCTLS, IPVS_SYSCTL_NAMES } from '../ipvs/sysctls.js';
import { parseAddress } from '../model/address.js';
import { vipScopeProblem } from '../model/address-scope.js';
import { duration } from '../input/duration-field.js';
import { refusing, show } from '../input/issues.js';

const address = z.string().refine((s) => parseAddress(s) !== undefined, {
  error: (iss) => `${show(iss.input)} is not an IP address`,
});
/** A VIP: an address routers can forward to one of many directors (see address-scope.ts). */
const vipAddress = address.superRefine(
  refusing((s) => {
    const a = parseAddress(s);
    const why = a ? vipScopeProblem(a) : undefined;
    return why && `is ${why}; a VIP must be a unicast address routers can forward to`;
  }),
);
const ipv4 = z.string().refine((s) => parseAddress(s)?.family === 'ipv4', {
  error: (iss) => `${show(iss.input)} is not an IPv4 address`,
});
const port = z.number().int().min(1).max(65535);
const asn = z
  .number()
  .int()
  .min(1)
  .max(4294967295)
  .refine((n) => n !== 23456, { error: '23456 (AS_TRANS) is not a usable ASN' });
const uint32 = z.number().int().min(0).max(4294967295);
const seconds = (min: number, max: number) => duration(min * 1000, max * 1000);
/**
 * An IPVS connection timeout in ms: whole seconds, at most 24 days (the kernel
 * keeps it in jiffies in an int).
 */
const ipvsTimeout = seconds(1, 24 * 86_400)
  .refine((ms) => ms % 1000 === 0, { error: 'IPVS timeouts are whole seconds' })
  .optional();
/** A count of real servers, or a share of them written "50%". */
const healthyThreshold = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^(100|[1-9]?\d)(\.\d+)?%$/, { error: 'must be a number or a percentage like "50%"' }),
]);

/** BGP attributes of an announcement; every level (bgp, service, draining) takes the same. */
const routeAttributes = {
  next_hop: z.string().optional(),
  origin: z.enum(['igp', 'egp', 'incomplete']).optional(),
  med: uint32.optional(),
  local_pref: uint32.optional(),
  communities: z.array(z.string()).optional(),
  large_communities: z.array(z.string()).optional(),
  /** How many times to put our own ASN in front of the path (backup directors). */
  prepend: z.number().int().min(0).max(16).optional(),
};
const routeAttributesSchema = z.object(routeAttributes).strict();

const peerSchema = z
  .object({
    address,
    asn,
    local_address: address.optional(),
    port: port.optional(),
    hold_time: seconds(0, 65535).default(9000),
    keepalive: seconds(1, 21845).optional(),
    connect_retry: seconds(1, 3600).default(5000),
    passive: z.boolean().default(false),
    password: z.string().min(1).optional(),
    multihop_ttl: z.number().int().min(2).max(255).optional(),
    families: z
      .array(z.enum(['ipv4', 'ipv6']))
      .min(1)
      .optional(),
    description: z.string().optional(),
  })
  .strict();

const sidecarSchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('spawn'),
      state_dir: z.string().min(1).default('/run/anycastd/gobgp'),
      binary: z.string().min(1).default('gobgpd'),
    })
    .strict(),
  z
    .object({
      mode: z.literal('external'),
      address: z.string().min(1),
      guard: z.string().min(1).optional(),
    })
    .strict(),
]);

export const bgpSchema = z
  .object({
    asn,
    router_id: ipv4.optional(),
    listen_port: z.union([port, z.literal(-1)]).default(179),
    listen_addresses: z.array(address).default([]),
    restart_time: seconds(0, 4095).default(30_000),
    sidecar: sidecarSchema.default({
      mode: 'spawn',
      state_dir: '/run/anycastd/gobgp',
      binary: 'gobgpd',
    }),
    peers: z.array(peerSchema).min(1),
    announce: routeAttributesSchema.default({}),
    /** Attributes of a VIP announced in the backup role, on top of `announce`. */
    backup: routeAttributesSchema.default({ prepend: 3 }),
    /** Attributes while the director or a VIP drains, on top of `announce`. */
    draining: routeAttributesSchema.default({ communities: ['graceful-shutdown'] }),
    /**
     * The fleet guard: BGP sessions with the other directors of the fleet, from
     * which this one learns who announces each VIP (see src/daemon/fleet-view.ts).
     */
    fleet: z
      .object({
        /** The other directors' addresses. */
        peers: z.array(address).min(1),
        /** Their AS; this director's own (iBGP) by default. */
        asn: asn.optional(),
        /** How long a failing VIP stays announced as fail-open before it may withdraw. */
        settle: duration(0, 60_000).default(1000),
        /** Large community that marks a fail-open announcement; ASN:0:1 with this AS by default. */
        fail_open_community: z.string().optional(),
      })
      .strict()
      .optional(),
    shutdown: z
      .object({
        /** How long routes stay announced with the draining attributes before withdrawal. */
        drain_time: seconds(0, 3600).default(0),
      })
      .strict()
      .default({ drain_time: 0 }),
  })
  .strict();

const persistenceSchema = z
  .object({
    timeout: seconds(1, 86400 * 31).default(360_000),
    /** IPv4: a mask ("255.255.255.0") or a prefix length; IPv6: a prefix length. */
    netmask: z.union([z.number().int().min(0).max(128), z.string()]).optional(),
    engine: z.enum(['sip']).optional(),
  })
  .strict();

const tunnelSchema = z
  .object({
    type: z.enum(['ipip', 'gue', 'gre']).default('ipip'),
    port: port.optional(),
    flags: z.array(z.enum(['csum', 'remcsum'])).default([]),
  })
  .strict();

const realSchema = z
  .object({
    address,
    port: port.optional(),
    // IPVS keeps a weight in an int; ipvsadm and keepalived configurations use the whole range.
    weight: z.number().int().min(0).max(2147483647).default(1),
    upper_threshold: z.number().int().min(0).max(2147483647).default(0),
    lower_threshold: z.number().int().min(0).max(2147483647).default(0),
    check: z.unknown().optional(),
  })
  .strict();

const portSchema = z
  .object({
    port,
    protocol: z.enum(['tcp', 'udp', 'sctp']).default('tcp'),
  })
  .strict();

const announcePolicy = z
  .object({
    /** Healthy real servers needed for the VIP to be announced. */
    min_healthy: healthyThreshold.optional(),
    /** Healthy real servers needed to announce again after a withdrawal (≥ min_healthy). */
    reannounce_healthy: healthyThreshold.optional(),
    /** Keep announcing, marked fail-open, when this director would be the last to announce. */
    fail_open: z.boolean().optional(),
    /** This VIP's role on this director; director.role by default. */
    role: z.enum(['primary', 'backup']).optional(),
    ...routeAttributes,
  })
  .strict();

export const serviceSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
      error: 'must be 1..63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    }),
    vip: vipAddress,
    ports: z.array(portSchema).min(1).optional(),
    fwmark: z.number().int().min(1).max(4294967295).optional(),
    forwarding: z.enum(['dr', 'nat', 'tunnel']).optional(),
    tunnel: tunnelSchema.optional(),
    scheduler: z.enum(SCHEDULERS).optional(),
    flags: z
      .array(z.enum(['one-packet', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port']))
      .optional(),
    persistence: persistenceSchema.optional(),
    reals: z.array(realSchema).min(1),
    /** Added while no real server is up, removed when one is; never checked. */
    sorry_server: z
      .object({
        address,
        port: port.optional(),
        weight: z.number().int().min(1).max(2147483647).default(1),
      })
      .strict()
      .optional(),
    check: z.unknown().optional(),
    announce: announcePolicy.optional(),
  })
  .strict();

export const defaultsSchema = z
  .object({
    scheduler: z.enum(SCHEDULERS).default('wlc'),
    forwarding: z.enum(['dr', 'nat', 'tunnel']).default('dr'),
    flags: z
      .array(z.enum(['one-packet', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port']))
      .default([]),
    check: z.unknown().optional(),
    announce: z
      .object({
        min_healthy: healthyThreshold.default(1),
        reannounce_healthy: healthyThreshold.optional(),
        fail_open: z.boolean().default(true),
      })
      .strict()
      .default({ min_healthy: 1, fail_open: true }),
  })
  .strict();

export const configSchema = z
  .object({
    director: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
          error: 'must be 1..63 letters, digits, ".", "_" or "-", starting with a letter or digit',
        }),
        router_id: ipv4,
        /**
         * Interface the VIPs are put on (as /32 and /128), so the kernel
         * delivers their packets to IPVS; a dummy interface of that name is
         * created if missing. "none": the operator puts them in place.
         */
        vip_interface: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,15}$/, {
            error: 'must be an interface name (1..15 characters)',
          })
          .default('anycastd0'),
        /**
         * primary (default) or backup: a backup director announces its VIPs with
         * bgp.backup's attributes (a longer AS path, a worse MED) so routers prefer
         * the primaries and turn to it when they withdraw. Per VIP: announce.role.
         */
        role: z.enum(['primary', 'backup']).default('primary'),
      })
      .strict(),
    api: z
      .object({
        /** unix:///path (default) or address:port on loopback. */
        listen: z.string().min(1).default('unix:///run/anycastd/api.sock'),
        /** File holding a bearer token that changes (drain, reload) must present. */
        token_file: z.string().min(1).optional(),
      })
      .strict()
      .default({ listen: 'unix:///run/anycastd/api.sock' }),
    /**
     * The read-only listener: /metrics, /status.json and the status page over
     * TCP; nothing there changes state. A bare port listens on 127.0.0.1.
     */
    metrics: z
      .object({
        listen: z.union([z.string().min(1), z.number().int().min(1).max(65535)]).optional(),
      })
      .strict()
      .default({}),
    resync_interval: seconds(1, 3600).default(5000),
    /**
     * net.ipv4.vs.* settings held in this director's network namespace: set at
     * start, checked and repaired on every resync. Unnamed ones are left as they are,
     * except sloppy_tcp/sloppy_sctp, which default to 1 when a service hashes (mh, sh).
     */
    ipvs_sysctls: z
      .object(
        Object.fromEntries(
          IPVS_SYSCTL_NAMES.map((n) => [
            n,
            z.number().int().min(0).max(IPVS_SYSCTLS[n].max).optional(),
          ]),
        ) as Record<keyof typeof IPVS_SYSCTLS, z.ZodOptional<z.ZodNumber>>,
      )
      .strict()
      .default({}),
    /**
     * IPVS connection timeouts (ipvsadm --set), held like ipvs_sysctls: tcp for
     * established TCP connections, tcp_fin after a FIN, udp for UDP. Whole seconds;
     * unnamed ones are left as they are (kernel defaults 15m, 2m, 5m).
     */
    ipvs_timeouts: z
      .object({ tcp: ipvsTimeout, tcp_fin: ipvsTimeout, udp: ipvsTimeout })
      .strict()
      .default({}),
    /** Where operator drains are kept across restarts. */
    state_file: z.string().min(1).default('/var/lib/anycastd/state.json'),
    /** Programs run on a VIP's route change and a real server's health change. */
    notify: z
      .array(
        z
          .object({
            command: z.array(z.string().min(1)).min(1),
            on: z
              .array(z.enum(['vip', 'real']))
              .min(1)
              .default(['vip', 'real']),
            ...programFields,
            timeout: seconds(0.01, 3600).default(10_000),
          })
          .strict(),
      )
      .default([]),
    bgp: bgpSchema,
    defaults: defaultsSchema.default({
      scheduler: 'wlc',
      forwarding: 'dr',
      flags: [],
      announce: { min_healthy: 1, fail_open: true },
    }),
    services: z.array(serviceSchema).min(1),
    /**
     * Further files of services: paths or globs, relative to the file naming
     * them. Resolved when a file is loaded (include.ts); a value that still
     * has it was not loaded from a file.
     */
    include: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict();

/** The document after structural parsing (defaults filled in, durations in ms). */
export type RawConfig = z.output<typeof configSchema>;
export type RawService = RawConfig['services'][number];
export type RawReal = RawService['reals'][number];
export type RawPeer = RawConfig['bgp']['peers'][number];
export type RouteAttributesInput = z.output<typeof routeAttributesSchema>;
