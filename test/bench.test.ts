// The benchmark's inputs and render path (README, "Performance"), without timing anything: the generated
// repos render (small and medium; the large ones only in `npm run bench`), their output is the
// output of `meshext render`, byte for byte, and the generator and the bytes floor are what the
// bench says they are.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CASES, expectedResources, generateFleet, generateRepo } from '../scripts/bench/generate.mjs';
import { bytesFloorArgv, renderOnce, runProcess } from '../scripts/bench/measure.mjs';
import { runCli } from './_cli.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'meshext.cjs');
const work = mkdtempSync(join(tmpdir(), 'meshext-bench-test-'));
const caseOf = (name: string) => CASES.find((c) => c.name === name)!;

for (const name of ['small', 'medium']) {
  test(`bench ${name}: the generated repo renders offline, and the bench's render path prints what meshext render prints`, async () => {
    const c = caseOf(name);
    const dir = join(work, name);
    const repo = generateRepo(dir, c);
    assert.is(repo.resources, expectedResources(c.extensions, c.namespaces));
    const bench = await renderOnce(dir, { bin: BIN });
    assert.is(bench.code, 0, bench.stderr);
    assert.is(bench.stderr, '', 'a generated repo renders without warnings');
    const text = bench.stdout.toString('utf8');
    assert.is(text.match(/^kind: /gm)?.length ?? 0, repo.resources);
    const cli = await runCli(['render', dir, '--offline']);
    assert.is(cli.code, 0, cli.stderr);
    assert.ok(text === cli.stdout, 'bench output and meshext render output differ');
    assert.is(bench.bytes, Buffer.byteLength(cli.stdout));
  });
}

test('a bench repo holds every kind the bench means to exercise', async () => {
  const dir = join(work, 'mix');
  generateRepo(dir, { extensions: 20, namespaces: 5 });
  const out = await runCli(['render', dir, '--offline']);
  assert.is(out.code, 0, out.stderr);
  for (const kind of ['WasmPlugin', 'EnvoyFilter']) assert.match(out.stdout, new RegExp(`^kind: ${kind}$`, 'm'), kind);
  const all = repoText(dir);
  for (const s of ['kind: Mesh', 'kind: Extension', 'kind: ServiceMeshExtension', 'kind: WasmExtension', 'namespaceSelector', 'overrides:', 'tenants:', 'allowedIn:']) assert.ok(all.includes(s), s);
});

test('bench fleet: --all-clusters writes each cluster what --cluster prints, and the one-cluster repository renders the same bytes', async () => {
  const fleet = generateFleet(join(work, 'fleet'), { clusters: 3, extensions: 20, namespaces: 5 });
  const alone = generateFleet(join(work, 'fleet-alone'), { clusters: 1, extensions: 20, namespaces: 5 });
  assert.equal(fleet.clusters, ['cluster-00', 'cluster-01', 'cluster-02']);
  const out = join(work, 'fleet-out');
  const all = await runCli(['render', fleet.dir, '--offline', '--all-clusters', '-o', out]);
  assert.is(all.code, 0, all.stderr);
  const single = await runCli(['render', alone.dir, '--offline']);
  assert.is(single.code, 0, single.stderr);
  assert.is(single.stdout.match(/^kind: /gm)?.length ?? 0, fleet.resourcesPerCluster);
  for (const c of fleet.clusters) {
    const one = await runCli(['render', fleet.dir, '--offline', '--cluster', c]);
    assert.is(one.code, 0, one.stderr);
    assert.is(readFileSync(join(out, `${c}.yaml`), 'utf8'), one.stdout, c);
    assert.is(one.stdout, single.stdout, `${c}: every cluster has the same inventory and declarations`);
  }
});

test('the generator is deterministic', () => {
  const a = join(work, 'det-a');
  const b = join(work, 'det-b');
  generateRepo(a, { extensions: 23, namespaces: 17 });
  generateRepo(b, { extensions: 23, namespaces: 17 });
  assert.is(repoText(a), repoText(b));
});

test('the bytes floor writes exactly the bytes it is given', async () => {
  const file = join(work, 'floor.yaml');
  const bytes = Buffer.from('apiVersion: v1\nkind: X\n---\nname: é ✓\n');
  writeFileSync(file, bytes);
  const r = await runProcess(bytesFloorArgv(file), { capture: true });
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout!.equals(bytes));
  assert.ok(r.rssKb > 0, 'peak RSS is measured');
});

/** Every file of a repo, in path order, with its path. */
function repoText(dir: string): string {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((f) => `# ${relative(dir, f)}\n${readFileSync(f, 'utf8')}`)
    .join('');
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
