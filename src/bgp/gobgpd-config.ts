/**
 * The gobgpd configuration file anycastd writes in spawn mode, pure. It holds
 * the global section only: neighbours are added over the API after the
 * routes, so that a restarted speaker never opens a session with an empty
 * RIB (the router would take the End-of-RIB as "all routes gone").
 */
import type { SpeakerSettings } from './settings.js';

/** Neighbour set and policy names in the file, for gobgp CLI users reading it. */
export const FLEET_NEIGHBOR_SET = 'anycastd-fleet';
export const FLEET_POLICY = 'anycastd-fleet-learn-only';

/**
 * `fleetPeers`: the other directors. Their routes are only read (from the
 * Adj-RIB-In, by the fleet guard), never used: a global import policy rejects
 * them, so a director that withdraws a VIP never forwards another's route for
 * it to its routers (attracting traffic it cannot serve). Routes anycastd adds
 * itself come from no neighbour and pass.
 */
export function gobgpdConfig(speaker: SpeakerSettings, fleetPeers: readonly string[] = []): string {
  const lines = [
    '# Written by anycastd at every start of the sidecar; edits are lost.',
    '# Neighbours and routes are added over the gRPC API.',
    '[global.config]',
    `  as = ${speaker.asn}`,
    `  router-id = ${JSON.stringify(speaker.routerId)}`,
    `  port = ${speaker.listenPort ?? 179}`,
  ];
  if (speaker.listenAddresses && speaker.listenAddresses.length > 0)
    lines.push(
      `  local-address-list = [${speaker.listenAddresses.map((a) => JSON.stringify(a)).join(', ')}]`,
    );
  if (fleetPeers.length > 0) {
    const prefixes = fleetPeers.map((a) => JSON.stringify(`${a}/${a.includes(':') ? 128 : 32}`));
    lines.push(
      '[global.apply-policy.config]',
      `  import-policy-list = [${JSON.stringify(FLEET_POLICY)}]`,
      '  default-import-policy = "accept-route"',
      '[[defined-sets.neighbor-sets]]',
      `  neighbor-set-name = ${JSON.stringify(FLEET_NEIGHBOR_SET)}`,
      `  neighbor-info-list = [${prefixes.join(', ')}]`,
      '[[policy-definitions]]',
      `  name = ${JSON.stringify(FLEET_POLICY)}`,
      '  [[policy-definitions.statements]]',
      '    name = "reject-fleet-routes"',
      '    [policy-definitions.statements.conditions.match-neighbor-set]',
      `      neighbor-set = ${JSON.stringify(FLEET_NEIGHBOR_SET)}`,
      '    [policy-definitions.statements.actions]',
      '      route-disposition = "reject-route"',
    );
  }
  return `${lines.join('\n')}\n`;
}
