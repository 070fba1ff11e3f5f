/**
 * One line for every configuration field, for the JSON Schema editors read
 * (hover text, completion). Keyed by path (`[]` for list items); route
 * attributes are the same wherever they appear, and check fields the same
 * at every level (defaults, service, real server). A test requires every
 * field of the schema to have one, so a new field cannot ship without it.
 */

export const FIELD_DESCRIPTIONS: Readonly<Record<string, string>> = {
  director: 'Who this director is.',
  'director.name': "This director's name in status, logs and metrics (letters, digits, ., _, -).",
  'director.router_id': 'An IPv4 address; the BGP router id unless bgp.router_id is set.',
  'director.role':
    "primary or backup: a backup announces its VIPs with bgp.backup's attributes, so routers prefer primaries.",
  'director.vip_interface':
    'Interface the VIPs are put on as /32 and /128 so the kernel hands their packets to IPVS (created if missing); none leaves VIP addresses to you.',
  api: 'The control API: status, metrics, drain, undrain, reload, plan.',
  'api.listen':
    'unix:///path, or HOST:PORT; an address off loopback is refused unless api.token_file is set (it can drain and reload).',
  'api.token_file':
    'File holding a token that changing requests (drain, reload, plan) must present.',
  metrics: 'The read-only listener: /metrics, /status.json and the status page.',
  'metrics.listen':
    'HOST:PORT, [V6]:PORT, or a port alone (on 127.0.0.1); off when absent. Nothing there changes state.',
  resync_interval:
    'Pause between full reads of the kernel (drift repaired); each read is sliced and never holds up a change.',
  ipvs_sysctls:
    'net.ipv4.vs.* settings this director holds (set at start, repaired on every resync).',
  'ipvs_sysctls.sloppy_tcp': 'Create connection entries from any TCP packet, not only the SYN.',
  'ipvs_sysctls.sloppy_sctp': 'The same for SCTP (any chunk, not only INIT).',
  'ipvs_sysctls.expire_nodest_conn':
    "Drop a connection's entry at once when its real server is deleted.",
  'ipvs_sysctls.expire_quiescent_template':
    'Expire persistence templates of a real server at weight 0.',
  'ipvs_sysctls.conn_reuse_mode':
    "How a reused source port is rescheduled (the kernel's ipvs-sysctl).",
  'ipvs_sysctls.schedule_icmp': 'Schedule ICMP packets of services that have none.',
  'ipvs_sysctls.drop_entry': 'Defence against connection-table floods: drop random entries.',
  'ipvs_sysctls.drop_packet': 'The same by dropping packets.',
  'ipvs_sysctls.secure_tcp': 'The same by stricter TCP state timeouts.',
  ipvs_timeouts: 'IPVS connection timeouts this director holds.',
  'ipvs_timeouts.tcp': "An established TCP connection's entry lives this long without a packet.",
  'ipvs_timeouts.tcp_fin': "A TCP connection's entry after its FIN.",
  'ipvs_timeouts.udp': "A UDP flow's entry.",
  state_file: 'Where drains are kept across restarts.',
  notify:
    "Programs run on a VIP's route change and a real server's health change, with the event in their environment.",
  'notify[].command': 'Program and arguments (never through a shell).',
  'notify[].on': 'Which events: vip, real.',
  'notify[].user': 'The account it runs as; nobody by default.',
  'notify[].group': "The group it runs as; the user's own by default.",
  'notify[].timeout': 'A run still going then is killed.',
  'notify[].env': 'Environment variables for the program, beside the event.',
  include:
    'Further files of services: paths or globs (name order), relative to the file naming them; an included file holds services and may include more.',
  bgp: 'How this director speaks BGP, through its GoBGP sidecar.',
  'bgp.asn': "This director's AS.",
  'bgp.router_id': 'BGP router id (IPv4); director.router_id when absent.',
  'bgp.listen_port': "gobgpd's BGP listener port; -1 for none.",
  'bgp.listen_addresses': 'Addresses the BGP listener binds.',
  'bgp.restart_time': 'Graceful-restart time (0 to 4095 s; 0s turns graceful restart off).',
  'bgp.sidecar': 'The GoBGP sidecar: spawned and supervised by anycastd, or run by you.',
  'bgp.sidecar.mode': 'spawn (anycastd runs gobgpd) or external (you run it).',
  'bgp.sidecar.state_dir': "spawn: where gobgpd's config and API socket live.",
  'bgp.sidecar.binary': 'spawn: the gobgpd program.',
  'bgp.sidecar.address': "external: gobgpd's API, unix:///path or 127.0.0.1:PORT.",
  'bgp.sidecar.guard': 'external: socket of anycastd sidecar-guard.',
  'bgp.peers': 'The routers this director announces its VIPs to.',
  'bgp.peers[].address': "The router's address.",
  'bgp.peers[].asn': "The router's AS.",
  'bgp.peers[].local_address': 'Local address of the session.',
  'bgp.peers[].port': "The router's BGP port.",
  'bgp.peers[].hold_time': 'BGP hold time.',
  'bgp.peers[].keepalive': 'BGP keepalive; a third of the hold time when absent.',
  'bgp.peers[].connect_retry': 'Time between connection attempts.',
  'bgp.peers[].passive': 'Wait for the router to connect.',
  'bgp.peers[].password': 'TCP MD5 password of the session.',
  'bgp.peers[].multihop_ttl': 'eBGP multihop TTL.',
  'bgp.peers[].families': 'Address families of the session: ipv4, ipv6.',
  'bgp.peers[].description': 'Free text, shown in status.',
  'bgp.announce': 'Route attributes of every VIP.',
  'bgp.backup':
    "Attributes of a VIP in the backup role, on top of announce and the VIP's own (communities are added).",
  'bgp.draining':
    'Attributes added while the director or a VIP drains; communities are added to the normal ones.',
  'bgp.fleet': 'The fleet guard: sessions with the other directors, to see who announces what.',
  'bgp.fleet.peers': "The other directors' addresses: one BGP session with each.",
  'bgp.fleet.asn': "The other directors' AS (iBGP by default).",
  'bgp.fleet.settle':
    'How long a VIP that starts failing stays announced fail-open before it may be withdrawn.',
  'bgp.fleet.fail_open_community': 'Large community that marks a fail-open announcement.',
  'bgp.shutdown': 'What a clean stop does with the routes.',
  'bgp.shutdown.drain_time':
    'On a clean stop, how long routes carry the draining attributes before they are withdrawn.',
  defaults: 'What services inherit.',
  'defaults.scheduler': 'Any IPVS scheduler: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos.',
  'defaults.forwarding': 'dr (direct routing), nat, tunnel.',
  'defaults.flags': 'one-packet, sh-fallback, sh-port (with sh), mh-fallback, mh-port (with mh).',
  'defaults.check':
    'The check every real server gets unless its service or itself says otherwise; a list: several checks, all must pass.',
  'defaults.announce': 'When VIPs are announced.',
  'defaults.announce.min_healthy':
    'Healthy real servers a VIP needs to be announced: a number or "50%".',
  'defaults.announce.reannounce_healthy':
    'Healthy real servers needed to announce again after a withdrawal (hysteresis).',
  'defaults.announce.fail_open':
    'With bgp.fleet: keep the VIP announced, marked, when no other director announces it healthy.',
  services: 'The virtual services.',
  'services[].name': "The service's name in status, logs and metrics.",
  'services[].vip': 'The virtual IP, IPv4 or IPv6; announced as a /32 or /128.',
  'services[].ports': 'One IPVS service per port, all alike.',
  'services[].ports[].port': 'The port.',
  'services[].ports[].protocol': 'tcp, udp or sctp.',
  'services[].fwmark': 'A firewall-mark service instead of ports.',
  'services[].forwarding': 'dr (direct routing), nat, tunnel; defaults.forwarding when absent.',
  'services[].tunnel': 'With forwarding: tunnel, the encapsulation.',
  'services[].tunnel.type': 'ipip, gue or gre.',
  'services[].tunnel.port': 'GUE: the destination port.',
  'services[].tunnel.flags': 'csum, remcsum (GUE and GRE).',
  'services[].scheduler': 'As in defaults.',
  'services[].flags': 'As in defaults.',
  'services[].persistence': 'Makes the service persistent.',
  'services[].persistence.timeout': 'How long a client stays with its real server.',
  'services[].persistence.netmask':
    'Clients grouped by this mask: an IPv4 mask or prefix length; for IPv6 a prefix length.',
  'services[].persistence.engine': 'Persistence engine: sip (by SIP Call-ID).',
  'services[].reals': 'The real servers.',
  'services[].reals[].address': "The real server's address.",
  'services[].reals[].port': "NAT only: the real server's port; otherwise the service's port.",
  'services[].reals[].weight': 'Weight when healthy; 0 keeps it drained.',
  'services[].reals[].upper_threshold': 'Upper connection threshold; 0 for none.',
  'services[].reals[].lower_threshold': 'Lower connection threshold; 0 for none.',
  'services[].reals[].check':
    "This real server's check, over its service's and the defaults; a list: several checks, all must pass.",
  'services[].sorry_server':
    'Where clients go while no real server is up: in the table then, out as soon as one is; never checked.',
  'services[].sorry_server.address': "The sorry server's address.",
  'services[].sorry_server.port':
    "NAT only: the sorry server's port; otherwise the service's port.",
  'services[].sorry_server.weight': 'Its weight while in use.',
  'services[].check':
    'The check of every real server of this service, over defaults.check; a list: several checks, all must pass.',
  'services[].announce': 'When this VIP is announced, its role, and its route attributes.',
  'services[].announce.min_healthy':
    'Healthy real servers the VIP needs to be announced: a number or "50%".',
  'services[].announce.reannounce_healthy':
    'Healthy real servers needed to announce again after a withdrawal.',
  'services[].announce.fail_open':
    'With bgp.fleet: keep it announced, marked, when it would be the last.',
  'services[].announce.role': "This VIP's role on this director; director.role when absent.",
};

/** Route attributes, wherever they appear (bgp.announce, backup, draining, a service's announce). */
export const ROUTE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  next_hop: "An address of the VIP's family, or self (the default).",
  origin: 'igp, egp or incomplete.',
  med: 'Multi-exit discriminator.',
  local_pref: 'Local preference (iBGP).',
  communities:
    'asn:value, or a well-known name: graceful-shutdown, no-export, no-advertise, no-export-subconfed, no-peer, blackhole, accept-own.',
  large_communities: 'global:local1:local2.',
  prepend: "How many times to put this director's AS in front of the path (0..16).",
};

/** Check fields, by name; the same at every level. */
export const CHECK_DESCRIPTIONS: Readonly<Record<string, string>> = {
  type: 'tcp, http, https, udp, dns, grpc, exec, icmp or file.',
  address: 'Address to probe; the real server when absent.',
  port: "Port to probe; the real server's (http 80, https 443, dns 53 when nothing gives one).",
  source: 'Local address to probe from (same family as address).',
  interval: 'Time between the starts of two probes.',
  timeout: 'A probe not done by then fails; shorter than interval.',
  fast_interval:
    'Interval while a change is pending (some passes while down, or failures while up).',
  rise: 'Consecutive passes to become up (1..100).',
  fall: 'Consecutive failures to become down (1..100).',
  initial: 'State before the first verdict: unknown, up or down.',
  spread: 'Start first probes at random points of the interval when many start together.',
  send: 'tcp, udp: the payload written (text, or hex with payload: hex).',
  expect: 'tcp: bytes the reply must contain; udp: the reply wanted (see match).',
  payload: 'How send and expect are written: text or hex.',
  match: 'udp: how expect is compared: exact, prefix or regex.',
  silence_is_up: 'udp: no reply within the timeout counts as a pass.',
  method: 'http, https: GET, HEAD, POST, PUT or OPTIONS.',
  path: 'http, https: the request path; file: the file read ({address} and {port} are put in).',
  mode: 'file: status (0 passes, anything else fails) or weight (the number is the weight).',
  missing: 'file: a file that is not there is down (default) or up.',
  host: 'http, https: the Host header; the target address and port when absent.',
  headers: 'http, https: extra request headers (a mapping).',
  status: 'http, https: a code, a range "200-399", or a list of both.',
  body_match: 'http, https: a regular expression the body must match.',
  body_not_match: 'http, https: a regular expression the body must not match.',
  body_md5: "http, https: the MD5 of the whole body, hex (keepalived's digest).",
  max_body_bytes: 'http, https: the most of the body that is read.',
  tls: 'https, grpc: TLS settings.',
  'tls.sni': 'Server name sent.',
  'tls.verify': 'Check the certificate chain and name.',
  'tls.ca': "File of trusted CAs; the system's when absent.",
  'tls.cert': 'Client certificate file (with key).',
  'tls.key': 'Client key file (with cert).',
  name: 'dns: the name asked for.',
  qtype: 'dns: A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, ANY, or a number.',
  transport: 'dns: udp or tcp.',
  rcode: 'dns: the response code wanted: NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, NOTIMP.',
  answer: 'dns: a record that must be among the answers.',
  service: 'grpc: the service asked about; "" for the whole server.',
  command: 'exec: program and arguments (never through a shell).',
  env: 'exec: environment variables for the program.',
  user: 'exec: the account it runs as (a name or uid); nobody by default.',
  group: "exec: the group it runs as; the user's own by default.",
  dynamic_weight:
    "exec: exit 2..255 passes and sets the weight to code - 2 (keepalived's misc_dynamic).",
  size: 'icmp: payload bytes after the ICMP header.',
};
