/**
 * Where anycastd's GoBGP API protos live, from both src/ (tests) and dist/
 * (the installed program): two directories up, then proto/gobgp.
 */
import { fileURLToPath } from 'node:url';

export const PROTO_DIR = fileURLToPath(new URL('../../proto/gobgp', import.meta.url));

/** Load order matters to nobody, but both are needed: paths carry attribute.proto's types as Any. */
export const PROTO_FILES = ['gobgp.proto', 'attribute.proto'] as const;
