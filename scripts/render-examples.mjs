// The README's first command: render every shipped example offline, from its committed lock.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';

let failed = 0;
for (const dir of readdirSync('examples').sort()) {
  if (!existsSync(`examples/${dir}/meshext.lock`)) continue;
  const r = spawnSync(process.execPath, ['dist/meshext.cjs', 'render', `examples/${dir}`, '--offline'], { encoding: 'utf8' });
  process.stderr.write(`==> meshext render examples/${dir} --offline (exit ${r.status})\n${r.stderr}`);
  if (r.status !== 0) failed++;
  else process.stdout.write(`# examples/${dir}\n${r.stdout}---\n`);
}
process.exitCode = failed > 0 ? 1 : 0;
