// Reads what scripts/test left in the results directory and prints a table per
// step, then the last line "N passed, M failed". Exits non-zero when a step
// failed, crashed without a report, or ran no test.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...steps] = process.argv.slice(2);
const read = (name) => {
  const path = join(dir, name);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};

let passed = 0;
let failed = 0;
const rows = [];
for (const step of steps) {
  const exit = read(`${step}.exit.json`);
  const seconds = exit ? (exit.ms / 1000).toFixed(1) : '-';
  let p = 0;
  let f = 0;
  let note = '';
  if (step === 'lint') {
    const lint = read('lint.step.json');
    // Each of eslint, prettier and tsc counts as one check.
    p = lint ? lint.checks - lint.failed : 0;
    f = lint ? lint.failed : 1;
    if (f) note = 'eslint, prettier or tsc reported problems (see above)';
  } else {
    const report = read(`${step}.json`);
    if (!report) {
      f = 1;
      note = `no report (exit ${exit?.exit ?? '?'}): the tier crashed before vitest finished`;
    } else {
      p = report.numPassedTests;
      f = report.numFailedTests;
      if (report.numTotalTests === 0) {
        f += 1;
        note = 'ran no test';
      } else if (exit && exit.exit !== 0 && f === 0) {
        f += 1;
        note = `exit ${exit.exit} although no test failed (errors outside tests)`;
      }
      const skipped = report.numPendingTests + report.numTodoTests;
      if (skipped > 0) {
        f += skipped;
        note = `${skipped} skipped or todo: a tier must not skip`;
      }
    }
  }
  passed += p;
  failed += f;
  rows.push([step, String(p), String(f), seconds, note]);
}

const header = ['step', 'passed', 'failed', 'seconds', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) =>
  r
    .map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
    .join('  ')
    .trimEnd();
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
