/**
 * Health-check targets on loopback for integration tests: TCP, HTTP(S), UDP,
 * DNS and gRPC servers whose behaviour each test chooses, plus a self-signed
 * certificate made with openssl. Every server listens on an ephemeral port
 * and is closed by `closeAll`.
 */
import { Server as GrpcServer, ServerCredentials, status as grpcStatus } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  type IncomingMessage,
  type ServerResponse,
  createServer as createHttpServer,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as health from '../../src/health/probes/grpc-health.js';

const closers: (() => Promise<void>)[] = [];

export async function closeAll(): Promise<void> {
  const all = closers.splice(0);
  await Promise.all(all.map((c) => c()));
}

function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function track(server: Server, sockets: Set<Socket>): void {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  closers.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
}

export type TcpBehaviour = 'accept' | 'echo' | 'silent' | 'reset' | ((socket: Socket) => void);

/** A TCP server; returns its port and a way to change what it does. */
export async function tcpServer(behaviour: TcpBehaviour, host = '127.0.0.1') {
  let current = behaviour;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    if (typeof current === 'function') current(s);
    else if (current === 'echo') s.pipe(s);
    else if (current === 'reset') s.resetAndDestroy();
    else if (current === 'accept') s.on('data', () => {});
  });
  track(server, sockets);
  const port = await listen(server, host);
  return {
    port,
    set(b: TcpBehaviour) {
      current = b;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server, or HTTPS with `tls`; the handler can be swapped. */
export async function httpServer(
  handler: HttpHandler,
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert?: boolean },
) {
  let current = handler;
  const sockets = new Set<Socket>();
  const server = tls
    ? createHttpsServer({ ...tls, rejectUnauthorized: tls.requestCert ?? false }, (q, s) =>
        current(q, s),
      )
    : createHttpServer((q, s) => current(q, s));
  track(server, sockets);
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  return {
    port,
    set(h: HttpHandler) {
      current = h;
    },
  };
}

/** A UDP server answering each datagram with `reply(msg)` (nothing when it returns undefined). */
export async function udpServer(
  reply: (msg: Buffer) => Buffer | undefined,
  type: 'udp4' | 'udp6' = 'udp4',
) {
  const socket: UdpSocket = createSocket(type);
  socket.on('message', (msg, rinfo) => {
    const out = reply(msg);
    if (out) socket.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => r()));
  closers.push(() => new Promise((r) => socket.close(() => r())));
  return { port: socket.address().port };
}

/** A port on which nothing listens (UDP or TCP): bound, noted, released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface DnsRecord {
  type: number;
  rdata: Buffer;
}

/**
 * Answers a DNS query (RFC 1035 layout) with the records chosen for the
 * queried name, or the given rcode.
 */
export function dnsAnswer(query: Buffer, zone: Map<string, DnsRecord[]>, rcode?: number): Buffer {
  let pos = 12;
  const labels: string[] = [];
  while (query[pos]) {
    const len = query[pos] as number;
    labels.push(query.toString('ascii', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  const question = query.subarray(12, pos + 5);
  const name = labels.join('.').toLowerCase();
  const qtype = query.readUInt16BE(pos + 1);
  const records = (zone.get(name) ?? []).filter((r) => r.type === qtype);
  const code = rcode ?? (zone.has(name) ? 0 : 3);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | code, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((r) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0);
    fixed.writeUInt16BE(r.type, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(30, 6);
    fixed.writeUInt16BE(r.rdata.length, 10);
    return Buffer.concat([fixed, r.rdata]);
  });
  return Buffer.concat([header, question, ...answers]);
}

/** A DNS server over UDP and TCP (same port) serving `zone`. */
export async function dnsServer(zone: Map<string, DnsRecord[]>, options: { rcode?: number } = {}) {
  const sockets = new Set<Socket>();
  const tcp = createServer((s) => {
    let data = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        const answer = dnsAnswer(data.subarray(2), zone, options.rcode);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(answer.length);
        s.end(Buffer.concat([len, answer]));
      }
    });
  });
  track(tcp, sockets);
  const port = await listen(tcp);
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) =>
    udp.send(dnsAnswer(msg, zone, options.rcode), rinfo.port, rinfo.address),
  );
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => udp.close(() => r())));
  return { port };
}

/**
 * A gRPC server implementing grpc.health.v1.Health/Check from a status table.
 * Status -1 answers SERVING padded with an unknown field to 1 MiB.
 */
export async function grpcHealthServer(statuses: Map<string, number>) {
  const server = new GrpcServer();
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Check: {
        path: health.HEALTH_CHECK_METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Check: (
        call: { request: Buffer },
        callback: (err: { code: number; details: string } | null, value?: Buffer) => void,
      ) => {
        const service = health.decodeRequest(call.request);
        const status = statuses.get(service);
        if (status === undefined)
          callback({ code: grpcStatus.NOT_FOUND, details: `unknown service ${service}` });
        else if (status === -1) {
          // Field 2, length-delimited: 0x12, then the length as a varint (1 MiB = 0x80 0x80 0x40).
          const pad = Buffer.concat([Buffer.from([0x12, 0x80, 0x80, 0x40]), Buffer.alloc(1 << 20)]);
          callback(null, Buffer.concat([health.encodeResponse(1), pad]));
        } else callback(null, health.encodeResponse(status));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  closers.push(() => new Promise((r) => server.tryShutdown(() => r())));
  return { port, server };
}

export interface Certificate {
  key: Buffer;
  cert: Buffer;
  keyFile: string;
  certFile: string;
}

/** A self-signed certificate for `name` (also valid for 127.0.0.1), made with openssl. */
export function selfSigned(name: string): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'anycastd-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name},IP:127.0.0.1`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
  } catch (e) {
    throw new Error(
      `openssl could not make a test certificate (apt-get install openssl): ${(e as Error).message}`,
    );
  }
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), keyFile, certFile };
}

/** An HTTPS server with `cert` answering 200, optionally requiring a client certificate signed by `ca`. */
export function httpsServer(
  cert: Certificate,
  client: { requestCert?: boolean; ca?: Buffer } = {},
) {
  return httpServer((_req, res) => res.end('ok'), { key: cert.key, cert: cert.cert, ...client });
}
