/** Sends raw request bytes to a unix socket and reads one response, with a deadline. */
import { connect } from 'node:net';

export interface RawReply {
  /** The status code, or undefined when the server answered nothing. */
  status: number | undefined;
  ms: number;
  /** How the exchange ended when there was no status. */
  why?: string;
}

export function sendRaw(socketPath: string, bytes: Buffer, deadlineMs: number): Promise<RawReply> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let got = Buffer.alloc(0);
    let settled = false;
    const done = (status: number | undefined, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, ms: performance.now() - started, ...(why !== undefined && { why }) });
    };
    const timer = setTimeout(
      () => done(undefined, `no answer within ${deadlineMs} ms`),
      deadlineMs,
    );
    const status = () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got.toString('latin1', 0, 16));
      return m ? Number(m[1]) : undefined;
    };
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.toString('latin1', 0, end);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      // The whole answer is in once its body is: a keep-alive socket would stay open.
      if (length && got.length >= end + 4 + Number(length[1])) done(status());
    });
    socket.on('end', () => done(status(), got.length ? undefined : 'closed without an answer'));
    socket.on('close', () => done(status(), got.length ? undefined : 'closed without an answer'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may answer and close before the whole request is written (EPIPE).
      if (got.length === 0 && err.code !== 'EPIPE' && err.code !== 'ECONNRESET')
        done(undefined, `socket error ${err.code ?? err.message}`);
    });
    socket.on('connect', () => socket.write(bytes));
  });
}
