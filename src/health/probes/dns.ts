/**
 * DNS check: one query over UDP (or TCP with its two-byte length prefix);
 * up when the response carries the expected rcode and, if one is named, the
 * expected answer. The response must echo the query id.
 */
import { formatDuration } from '../../input/duration.js';
import { Socket } from 'node:net';
import { type Probe, type ProbeResult, type ProbeRun, errorReason, fail, pass } from '../probe.js';
import { DNS_RCODES, type DnsProbe } from '../spec.js';
import { type DnsResponse, answerMatches, decodeResponse, encodeQuery } from './dns-message.js';
import { udpExchange } from './udp-exchange.js';

const RCODE_NAMES = new Map(Object.entries(DNS_RCODES).map(([name, code]) => [code, name]));
const rcodeName = (code: number) => RCODE_NAMES.get(code) ?? `rcode ${code}`;

export function dnsProbe(spec: DnsProbe): Probe {
  function judge(reply: Buffer, id: number): ProbeResult {
    let res: DnsResponse;
    try {
      res = decodeResponse(reply);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (res.id !== id) return fail('response id does not match the query');
    if (res.rcode !== spec.rcode)
      return fail(`${rcodeName(res.rcode)}, expected ${rcodeName(spec.rcode)}`);
    const expected = spec.answer;
    if (expected !== undefined && !res.answers.some((a) => answerMatches(a, expected))) {
      const got = res.answers.map((a) => a.data).join(', ') || 'no answers';
      return fail(`answer ${expected} not in response (${got})`);
    }
    return pass(
      `${rcodeName(res.rcode)}, ${res.answers.length} answer${res.answers.length === 1 ? '' : 's'}`,
    );
  }

  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      const id = (Math.random() * 0x10000) | 0;
      const query = encodeQuery(id, spec.name, spec.qtype);
      return spec.transport === 'udp'
        ? udpExchange(
            spec.target,
            query,
            run,
            (r) => judge(r, id),
            () => fail(`no response within ${formatDuration(run.timeoutMs)}`),
          )
        : overTcp(spec, run, query, (r) => judge(r, id));
    },
    close() {},
  };
}

function overTcp(
  spec: DnsProbe,
  run: ProbeRun,
  query: Buffer,
  judge: (reply: Buffer) => ProbeResult,
): Promise<ProbeResult> {
  const { address, port, source } = spec.target;
  return new Promise((resolve) => {
    const socket = new Socket();
    let done = false;
    let data = Buffer.alloc(0);
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(r);
    };
    run.onExpire(() => finish(fail(`no response within ${formatDuration(run.timeoutMs)}`)));
    socket.on('error', (err) => finish(fail(errorReason(err))));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0))
        finish(judge(data.subarray(2, 2 + data.readUInt16BE(0))));
    });
    socket.once('end', () => finish(fail('connection closed before a complete response')));
    socket.once('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.connect(
      source === undefined
        ? { host: address, port }
        : { host: address, port, localAddress: source },
    );
  });
}
