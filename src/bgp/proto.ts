/**
 * Loads anycastd's GoBGP API protos twice over the same files: once for
 * grpc-js (the service and its messages, snake_case field names as written)
 * and once as a protobufjs Root, because proto-loader exposes no encoder for
 * the Any payloads (NLRI and path attributes) a 3.x Path carries.
 */
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { PROTO_DIR, PROTO_FILES } from './proto-files.js';

/** Options shared by every decode: names as in the .proto, enums as names, 64-bit as numbers. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let definition: protoLoader.PackageDefinition | undefined;
let root: protobuf.Root | undefined;

export function packageDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
  return definition;
}

export function protoRoot(): protobuf.Root {
  root ??= loadProtoRoot(PROTO_DIR);
  return root;
}

/**
 * Loads gobgp.proto and attribute.proto from `dir` as a protobufjs Root. Both
 * import siblings by bare name ("gobgp.proto"); google/* come from
 * protobufjs's bundled well-known types. The contract test loads GoBGP's own
 * copies the same way.
 */
export function loadProtoRoot(dir: string): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) =>
    target.startsWith('google/') ? target : join(dir, target.replace(/^.*\//, ''));
  r.loadSync(
    PROTO_FILES.map((f) => join(dir, f)),
    { keepCase: true },
  );
  r.resolveAll();
  return r;
}
