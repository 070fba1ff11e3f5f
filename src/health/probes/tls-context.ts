/**
 * TLS material for HTTPS and gRPC checks, read from disk once when the check
 * is created (not on every run). A file that cannot be read makes every run
 * of that check fail with the reason, rather than the whole config fail.
 */
import { readFileSync } from 'node:fs';
import { type SecureContext, createSecureContext } from 'node:tls';
import type { TlsOptions } from '../spec.js';

export type LoadedContext = { context: SecureContext } | { error: string };

export interface TlsFiles {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
}

/** Reads the CA, certificate and key files named in `tls`. */
export function readTlsFiles(tls: TlsOptions): TlsFiles | { error: string } {
  const out: TlsFiles = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const path = tls[field];
    if (path === undefined) continue;
    try {
      out[field] = readFileSync(path);
    } catch (e) {
      return {
        error: `cannot read TLS ${field} file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      };
    }
  }
  return out;
}

export function loadSecureContext(tls: TlsOptions): LoadedContext {
  const files = readTlsFiles(tls);
  if ('error' in files) return files;
  try {
    return { context: createSecureContext(files) };
  } catch (e) {
    return { error: `bad TLS material: ${(e as Error).message}` };
  }
}
