// The README's first command: render every shipped example offline, from its committed lock.
import './on-node-24.mjs';
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// An example's render.args, if any: extra options, one per line (e.g. `-n` and a namespace for
// published manifests that state none).
const argsOf = (dir) => (existsSync(`examples/${dir}/render.args`) ? readFileSync(`examples/${dir}/render.args`, 'utf8').split('\n').filter((l) => l.trim() !== '') : []);

let failed = 0;
for (const dir of readdirSync('examples').sort()) {
  if (!existsSync(`examples/${dir}/meshext.lock`)) continue;
  const extra = argsOf(dir);
  // A fleet renders every cluster into a file of its own (--all-clusters -o DIR): print each.
  const out = extra.includes('--all-clusters') ? mkdtempSync(join(tmpdir(), 'meshext-examples-')) : undefined;
  const args = ['render', `examples/${dir}`, '--offline', ...extra, ...(out ? ['-o', out] : [])];
  const r = spawnSync(process.execPath, ['dist/meshext.cjs', ...args], { encoding: 'utf8' });
  process.stderr.write(`==> meshext ${args.join(' ')} (exit ${r.status})\n${r.stderr}`);
  if (r.status !== 0) failed++;
  else if (out) for (const f of readdirSync(out).sort()) process.stdout.write(`# examples/${dir}, cluster ${f.replace(/\.yaml$/, '')}\n${readFileSync(join(out, f), 'utf8')}---\n`);
  else process.stdout.write(`# examples/${dir}\n${r.stdout}---\n`);
  if (out) rmSync(out, { recursive: true, force: true });
}
process.exitCode = failed > 0 ? 1 : 0;
