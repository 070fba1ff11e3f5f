/** One factory per check type, chosen by the spec's `type`. */
import type { Probe } from '../probe.js';
import type { ProbeSpec } from '../spec.js';
import { dnsProbe } from './dns.js';
import { execProbe } from './exec.js';
import { fileProbe } from './file.js';
import { grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import { icmpProbe } from './icmp.js';
import { tcpProbe } from './tcp.js';
import { udpProbe } from './udp.js';

export function createProbe(spec: ProbeSpec): Probe {
  switch (spec.type) {
    case 'tcp':
      return tcpProbe(spec);
    case 'http':
    case 'https':
      return httpProbe(spec);
    case 'udp':
      return udpProbe(spec);
    case 'dns':
      return dnsProbe(spec);
    case 'grpc':
      return grpcProbe(spec);
    case 'exec':
      return execProbe(spec);
    case 'icmp':
      return icmpProbe(spec);
    case 'file':
      return fileProbe(spec);
  }
}
