/**
 * Valid configurations that are known to hurt, pure: `anycastd validate`
 * prints these as warnings (the file is still valid) and the daemon logs
 * them at start and on reload. Each names the field to change and why.
 */
import { isFwmarkKey } from '../ipvs/model.js';
import type { Issue } from '../input/issues.js';
import type { Config } from './model.js';

/** Schedulers that pick the same real server for a packet on every director. */
const HASHING = new Set(['mh', 'sh']);

export function configWarnings(config: Config): Issue[] {
  const warnings: Issue[] = [];
  const sysctls = config.ipvsSysctls;
  const fleet = config.bgp.fleet !== undefined;
  config.services.forEach((vs, i) => {
    const at = `services[${i}]`;
    const svc = vs.services[0];
    if (!svc) return;
    const protocols = new Set(
      vs.services.map((s) => (isFwmarkKey(s.key) ? 'fwmark' : s.key.protocol)),
    );
    const hashing = HASHING.has(svc.scheduler);
    if (hashing && sysctls.sloppy_tcp === 0 && (protocols.has('tcp') || protocols.has('fwmark')))
      warnings.push({
        path: 'ipvs_sysctls.sloppy_tcp',
        message:
          `is 0 while service ${vs.name} hashes with ${svc.scheduler}: a TCP connection the ` +
          'routers move to this director (another one failed or drained) is dropped instead of ' +
          'reaching the real server that holds it; leave it unset (1)',
      });
    if (hashing && sysctls.sloppy_sctp === 0 && (protocols.has('sctp') || protocols.has('fwmark')))
      warnings.push({
        path: 'ipvs_sysctls.sloppy_sctp',
        message:
          `is 0 while service ${vs.name} hashes with ${svc.scheduler}: SCTP associations moved ` +
          'between directors are dropped; leave it unset (1)',
      });
    if (fleet && !hashing && protocols.has('tcp'))
      warnings.push({
        path: `${at}.scheduler`,
        message:
          `${svc.scheduler} with a fleet (bgp.fleet): each director picks real servers on its ` +
          'own, so a connection the routers move to another director lands on a different ' +
          'real server and is reset; mh (with mh-port for few clients) or sh keeps it',
      });
    if (svc.flags.includes('persistent') && sysctls.expire_quiescent_template !== 1)
      warnings.push({
        path: `${at}.persistence`,
        message:
          'with net.ipv4.vs.expire_quiescent_template 0 (the kernel default), a client that ' +
          'was sent to a real server keeps going to it after it is drained (weight 0) until ' +
          'its persistence times out; set ipvs_sysctls.expire_quiescent_template: 1',
      });
  });
  const reuse = sysctls.conn_reuse_mode;
  const dr = config.services.find((vs) => vs.forwarding === 'dr');
  if (reuse !== undefined && (reuse & 2) === 0 && dr)
    warnings.push({
      path: 'ipvs_sysctls.conn_reuse_mode',
      message:
        `is ${reuse} while service ${dr.name} uses direct routing: a new connection from a ` +
        'reused client port follows the old entry to its real server even when that one is ' +
        'drained, and is refused; leave it unset (3)',
    });
  for (const name of ['drop_entry', 'drop_packet', 'secure_tcp'] as const)
    if (sysctls[name] === 3)
      warnings.push({
        path: `ipvs_sysctls.${name}`,
        message:
          'is 3, always on: the director drops connections or packets even without memory ' +
          'pressure; 1 turns the defence on only when memory runs low',
      });
  // One service is enough to make the case for a setting; say it once.
  return warnings.filter((w, i) => warnings.findIndex((o) => o.path === w.path) === i);
}
