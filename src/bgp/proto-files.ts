/** Where anycastd's GoBGP API protos live: proto/gobgp in the package root. */
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const PROTO_DIR = join(packageRoot(), 'proto', 'gobgp');

/** Load order matters to nobody, but both are needed: paths carry attribute.proto's types as Any. */
export const PROTO_FILES = ['gobgp.proto', 'attribute.proto'] as const;
