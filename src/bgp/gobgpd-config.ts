/**
 * The gobgpd configuration file anycastd writes in spawn mode, pure. It holds
 * the global section only: neighbours are added over the API after the
 * routes, so that a restarted speaker never opens a session with an empty
 * RIB (the router would take the End-of-RIB as "all routes gone").
 */
import type { SpeakerSettings } from './settings.js';

export function gobgpdConfig(speaker: SpeakerSettings): string {
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
  return `${lines.join('\n')}\n`;
}
