// Runs every test file (test/**/*.test.ts) with uvu under tsx and ends with the
// `N passed, N failed` line CI reads. Extra args filter test files by substring.
import './on-node-24.mjs';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test').sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 256 << 20 });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const skip = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const bad = total - ok - skip + (r.status !== 0 && total === ok + skip ? 1 : 0);
  passed += ok;
  failed += bad;
  skipped += skip;
  const mark = bad > 0 ? 'FAIL' : 'ok  ';
  process.stdout.write(`${mark} ${file}  (${ok}/${total}${skip ? `, ${skip} skipped` : ''})\n`);
  if (bad > 0) process.stdout.write(out.split('\n').map((l) => `    ${l}`).join('\n') + '\n');
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
