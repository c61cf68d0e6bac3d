import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './_cli.ts';
const root = process.argv[2]!;
const only = process.argv[3];
for (const name of readdirSync(root).sort()) {
  if (only && !name.includes(only)) continue;
  const dir = join(root, name);
  const input = join(dir, 'input');
  const argsFile = join(dir, 'args');
  const extra = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  const argv = extra.length > 0 && !extra[0]!.startsWith('-') ? extra.map((a) => a.replace('$INPUT', input)) : ['render', input, '--offline', ...extra];
  const t = Date.now();
  let r;
  try { r = await runCli(argv, { cwd: dir }); } catch (e) { console.log(`### ${name}: THROWN ${(e as Error).stack}`); continue; }
  const ms = Date.now() - t;
  const want = readFileSync(join(dir, 'errors.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const exit = Number(want.find((l) => l.startsWith('exit: '))?.slice(6) ?? 1);
  const lines = r.stderr.split('\n');
  const missing = want.filter((l) => !l.startsWith('exit: ') && !lines.includes(l.replace('$INPUT', input)));
  const ok = r.code === exit && missing.length === 0 && r.stdout === '';
  console.log(`${ok ? 'ok  ' : 'DIFF'} ${name} (${ms} ms) exit ${r.code}${r.code !== exit ? ` want ${exit}` : ''}${r.stdout ? ' STDOUT!' : ''}`);
  if (!ok) { for (const m of missing) console.log(`   want: ${m}`); for (const l of lines.filter(Boolean)) console.log(`   got:  ${l}`); }
}
