/**
 * One library-level measurement in a fresh process, so that the heap of the
 * benchmark driver does not weigh on it: `--op apply` parses the rules and
 * times IpvsClient.apply from an empty table; `--op dump` times
 * IpvsClient.dump. Prints `{"ms": ...}`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IpvsClient } from '../../src/ipvs/client.js';
import { parseRules } from '../../src/ipvs/ipvsadm/rules.js';

const { values } = parseArgs({
  options: {
    op: { type: 'string' },
    netns: { type: 'string' },
    rules: { type: 'string' },
  },
});
const client = await IpvsClient.open({ netns: values.netns });
try {
  let ms: number;
  if (values.op === 'apply') {
    const ops = (await parseRules(readFileSync(values.rules ?? '', 'utf8'))).ops.map((r) => r.op);
    await client.flush();
    const started = performance.now();
    const results = await client.apply(ops);
    ms = performance.now() - started;
    if (results.some((r) => !r.ok)) throw new Error('library apply had failures');
  } else if (values.op === 'dump') {
    const started = performance.now();
    const table = await client.dump();
    ms = performance.now() - started;
    if (table.length === 0) throw new Error('library dump found no services');
  } else {
    throw new Error(`--op: "${values.op}" is not apply or dump`);
  }
  process.stdout.write(`${JSON.stringify({ ms })}\n`);
} finally {
  client.close();
}
