// `npm run bench` (README, "Performance"): generates synthetic declaration repos, runs `meshext render` on
// each as a whole process beside its floors (`node -e ''`, and a Node process that only writes
// the same output bytes), times `kubectl kustomize` over the 1,000-resource output, renders a fleet
// of 20 clusters with --all-clusters beside one of its clusters, times image
// resolution against a registry that answers 200 ms late (signed images verified against a trust
// policy too, cold and from the lock), prints a table of figures and ratios
// against the targets, and writes it as JSON: .bench/results.json (the last run, read
// back next time to show the change) and scripts/bench/results.json (the copy the README cites).
//
// Options: --quick (fewer runs), --cases small,large,fleet (a subset; no README copy is written),
//          --no-resolve (skip the registry part), --no-snapshot (skip the startup-snapshot
//          experiment, scripts/bench/snapshot.mjs), --runs N (rounds per case).

import './on-node-24.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { CASES, FLEET_CASE, generateFleet, generateRepo } from './bench/generate.mjs';
import { GNU_TIME, RSS_METHOD, bytesFloorArgv, renderOnce, runProcess, sideBySide } from './bench/measure.mjs';
import { buildSnapshot } from './bench/snapshot.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag('--quick');
const only = option('--cases')?.split(',');
const runsOverride = option('--runs') ? Number(option('--runs')) : undefined;
const BENCH = '.bench';
const RESULTS = join(BENCH, 'results.json');
const README_COPY = 'scripts/bench/results.json';

if (!existsSync('dist/meshext.cjs')) {
  process.stderr.write('dist/meshext.cjs is missing: run `npm run bench` (it builds first)\n');
  process.exit(2);
}
// A snapshot of the build, so a rebuild while the bench runs cannot change what is measured.
rmSync(join(BENCH, 'dist'), { recursive: true, force: true });
cpSync('dist', join(BENCH, 'dist'), { recursive: true });
const BIN = join(BENCH, 'dist', 'meshext.cjs');
const NODE = process.execPath;
const previous = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : undefined;
const log = (s) => process.stderr.write(`${s}\n`);

/** Rounds per case: the faster the case, the more rounds. */
function plan(name) {
  if (runsOverride) return { warmup: 1, runs: runsOverride };
  const full = { small: { warmup: 3, runs: 21 }, k1000: { warmup: 2, runs: 11 }, medium: { warmup: 2, runs: 9 }, 'large/10': { warmup: 2, runs: 9 }, large: { warmup: 1, runs: 5 } };
  const q = { small: { warmup: 2, runs: 7 }, k1000: { warmup: 1, runs: 3 }, medium: { warmup: 1, runs: 3 }, 'large/10': { warmup: 1, runs: 3 }, large: { warmup: 1, runs: 3 } };
  return (quick ? q : full)[name];
}

const slug = (name) => name.replace(/\//g, '-');
const machine = {
  date: new Date().toISOString(),
  nproc: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  kubectl: kubectlVersion(),
  rss: RSS_METHOD,
};

function kubectlVersion() {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).join('; ') : undefined;
}

const results = { machine, cases: {}, fleet: undefined, kustomize: undefined, resolution: undefined, snapshot: undefined, targets: [] };

// The startup-snapshot experiment: the same CLI (built from src/ as it is now) started from a V8
// snapshot warmed on a repo of its own, measured beside dist/meshext.cjs but not against the targets.
let snapshot;
if (!flag('--no-snapshot')) {
  const warm = join(BENCH, 'repos', 'snapshot-warm');
  generateRepo(warm, { extensions: 20, namespaces: 5 }); // every flavor, and not a measured case
  const built = await buildSnapshot(join(BENCH, 'snapshot'), resolve(warm));
  if (built.argv) snapshot = built.argv;
  results.snapshot = built.argv ? { built: true, command: 'node --snapshot-blob .bench/snapshot/meshext.blob render DIR --offline' } : { built: false, reason: built.reason };
  log(built.argv ? 'bench: built the startup-snapshot experiment' : `bench: no startup snapshot (${built.reason})`);
}

for (const c of CASES) {
  if (only && !only.includes(c.name)) continue;
  const dir = join(BENCH, 'repos', slug(c.name));
  const repo = generateRepo(dir, c);
  // Once outside the timing: the output, checked and kept for the bytes floor and kustomize.
  const first = await renderOnce(dir, { bin: BIN });
  const resources = first.stdout.toString('utf8').match(/^kind: /gm)?.length ?? 0;
  if (resources !== repo.resources) throw new Error(`${c.name}: rendered ${resources} resources, the generator expects ${repo.resources}`);
  const out = join(BENCH, 'out', `${slug(c.name)}.yaml`);
  mkdirSync(join(BENCH, 'out'), { recursive: true });
  writeFileSync(out, first.stdout);
  const bytes = first.stdout.length;
  const commands = {
    render: { argv: [NODE, BIN, 'render', dir, '--offline'], bytes },
    bytesFloor: { argv: bytesFloorArgv(out), bytes },
  };
  if (c.name === 'small') commands.nodeStart = { argv: [NODE, '-e', ''] };
  if (snapshot) {
    const s = await runProcess([...snapshot, 'render', dir, '--offline'], { capture: true });
    if (s.code !== 0 || !s.stdout.equals(first.stdout)) throw new Error(`${c.name}: the startup-snapshot CLI printed other bytes than dist/meshext.cjs (exit ${s.code}): ${s.stderr.slice(0, 2000)}`);
    commands.renderSnapshot = { argv: [...snapshot, 'render', dir, '--offline'], bytes };
  }
  let kustomizeDir;
  if (c.name === 'k1000' && machine.kubectl) {
    kustomizeDir = join(BENCH, 'kustomize');
    rmSync(kustomizeDir, { recursive: true, force: true });
    mkdirSync(kustomizeDir, { recursive: true });
    cpSync(out, join(kustomizeDir, 'rendered.yaml'));
    writeFileSync(join(kustomizeDir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- rendered.yaml\n');
    commands.kubectlKustomize = { argv: ['kubectl', 'kustomize', kustomizeDir] };
  }
  const p = plan(c.name);
  log(`bench ${c.name}: ${c.extensions} extensions × ${c.namespaces} namespaces → ${repo.resources} resources, ${(bytes / 1e6).toFixed(1)} MB; ${p.warmup} warm-up + ${p.runs} rounds`);
  const m = await sideBySide(commands, p);
  results.cases[c.name] = { extensions: c.extensions, namespaces: c.namespaces, resources, outputBytes: bytes, ...m };
  if (kustomizeDir) results.kustomize = { case: c.name, resources, ...m.kubectlKustomize, kustomize: machine.kubectl };
}

// The fleet: 20 clusters × (50 extensions × 200 namespaces). --all-clusters renders every cluster in
// one process (one read, one resolution); one cluster of it is compared with a repository that
// holds only that cluster (the difference is reading the other Meshes).
if (!only || only.includes('fleet')) {
  const fleet = generateFleet(join(BENCH, 'repos', 'fleet'), FLEET_CASE);
  const alone = generateFleet(join(BENCH, 'repos', 'fleet-alone'), { ...FLEET_CASE, clusters: 1 });
  const outDir = join(BENCH, 'out', 'fleet');
  const cluster = fleet.clusters[0];
  const allArgv = [NODE, BIN, 'render', fleet.dir, '--offline', '--all-clusters', '-o', outDir];
  const first = await runProcess(allArgv, { capture: true });
  if (first.code !== 0) throw new Error(`fleet --all-clusters: exit ${first.code}: ${first.stderr.slice(0, 2000)}`);
  const one = await renderOnce(fleet.dir, { bin: BIN, extra: ['--cluster', cluster] });
  const single = await renderOnce(alone.dir, { bin: BIN });
  const written = readFileSync(join(outDir, `${cluster}.yaml`));
  if (!one.stdout.equals(written) || !single.stdout.equals(written)) throw new Error('fleet: --all-clusters, --cluster and the one-cluster repository rendered different bytes for one cluster');
  const resources = written.toString('utf8').match(/^kind: /gm)?.length ?? 0;
  if (resources !== fleet.resourcesPerCluster) throw new Error(`fleet: rendered ${resources} resources per cluster, the generator expects ${fleet.resourcesPerCluster}`);
  // Reading the other Meshes, alone: validating the 20 Mesh files less validating one of them.
  const meshesOnly = join(BENCH, 'repos', 'fleet-meshes');
  const meshOnly = join(BENCH, 'repos', 'fleet-mesh');
  for (const [d, files] of [[meshesOnly, fleet.clusters], [meshOnly, [cluster]]]) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    for (const c of files) cpSync(join(fleet.dir, 'meshes', `${c}.yaml`), join(d, `${c}.yaml`));
  }
  const p = plan('medium');
  log(`bench fleet: ${FLEET_CASE.clusters} clusters × (${FLEET_CASE.extensions} extensions × ${FLEET_CASE.namespaces} namespaces) → ${resources} resources each; ${p.warmup} warm-up + ${p.runs} rounds`);
  const m = await sideBySide(
    {
      allClusters: { argv: allArgv },
      oneCluster: { argv: [NODE, BIN, 'render', fleet.dir, '--offline', '--cluster', cluster], bytes: written.length },
      clusterAlone: { argv: [NODE, BIN, 'render', alone.dir, '--offline'], bytes: written.length },
      readMeshes: { argv: [NODE, BIN, 'validate', meshesOnly, '--allow-empty', '--cluster', cluster] },
      readMesh: { argv: [NODE, BIN, 'validate', meshOnly, '--allow-empty', '--cluster', cluster] },
    },
    p,
  );
  results.fleet = { ...FLEET_CASE, resourcesPerCluster: resources, outputBytesPerCluster: written.length, ...m };
}

if (!flag('--no-resolve')) {
  if (!existsSync('/usr/bin/docker-registry') && spawnSync('sh', ['-c', 'command -v docker-registry']).status !== 0) {
    log('bench resolution: skipped, docker-registry is not installed (bash scripts/setup-test-env.sh)');
    results.resolution = { skipped: 'docker-registry is not installed' };
  } else {
    log('bench resolution: 20 images, every registry request 200 ms late');
    const out = execFileSync(NODE, ['--import', 'tsx', 'scripts/bench/resolve.ts', BIN, join(BENCH, 'resolve')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_RESOLVE_RUNS: quick ? '1' : '3', BENCH_TRUST_RUNS: quick ? '7' : '21' } });
    results.resolution = JSON.parse(out.trim().split('\n').pop());
  }
}

// The targets, each a ratio of figures measured side by side in this run.
const C = results.cases;
const target = (name, value, limit, cmp, detail) => {
  if (value === undefined || Number.isNaN(value)) return { name, value: null, limit, met: null, detail: 'not measured in this run' };
  return { name, value: Math.round(value * 100) / 100, limit, met: cmp === '<=' ? value <= limit : cmp === '<' ? value < limit : value >= limit, cmp, detail };
};
const r = results.resolution;
const F = results.fleet;
const T = r?.trustLocked;
// One image's resolution time: a cold one-image render less the same render served from the lock.
const resolveOne = r?.cold1 ? r.cold1.wallMs - (r.warmLockOffline?.wallMs ?? 0) : undefined;
results.targets = [
  target('small warm ≤ 1.5 × node -e \'\'', C.small && C.small.render.wallMs / C.small.nodeStart.wallMs, 1.5, '<=', C.small && `${C.small.render.wallMs} ms / ${C.small.nodeStart.wallMs} ms`),
  target('large ≤ 5 × bytes floor', C.large && C.large.render.wallMs / C.large.bytesFloor.wallMs, 5, '<=', C.large && `${C.large.render.wallMs} ms / ${C.large.bytesFloor.wallMs} ms`),
  target('large peak RSS ≤ 4 × output', C.large && (C.large.render.rssKb * 1024) / C.large.outputBytes, 4, '<=', C.large && `${mb(C.large.render.rssKb * 1024)} / ${mb(C.large.outputBytes)}`),
  target('large ≤ 12 × large/10', C.large && C['large/10'] && C.large.render.wallMs / C['large/10'].render.wallMs, 12, '<=', C.large && C['large/10'] && `${C.large.render.wallMs} ms / ${C['large/10'].render.wallMs} ms`),
  target('1,000 resources ≥ 10 × faster than kubectl kustomize', results.kustomize && results.kustomize.wallMs / C.k1000.render.wallMs, 10, '>=', results.kustomize && `${results.kustomize.wallMs} ms / ${C.k1000.render.wallMs} ms`),
  target('cold resolution of 20 images < 3 × one image\'s', r?.cold20 && resolveOne && r.cold20.wallMs / resolveOne, 3, '<', r?.cold20 && `${r.cold20.wallMs} ms / (${r.cold1.wallMs} − ${r.warmLockOffline.wallMs}) ms`),
  target('fleet: --all-clusters ≤ 20 × one cluster', F && F.allClusters.wallMs / F.oneCluster.wallMs, 20, '<=', F && `${F.allClusters.wallMs} ms / ${F.oneCluster.wallMs} ms`),
  target('fleet: one cluster ≤ that cluster alone + reading the other Meshes', F && F.oneCluster.wallMs / (F.clusterAlone.wallMs + Math.max(0, F.readMeshes.wallMs - F.readMesh.wallMs)), 1, '<=', F && `${F.oneCluster.wallMs} ms / (${F.clusterAlone.wallMs} + ${F.readMeshes.wallMs} − ${F.readMesh.wallMs}) ms`),
  target('20 signed images cold ≤ 1.5 × the same unsigned', r?.cold20Signed && r.cold20Signed.wallMs / r.cold20.wallMs, 1.5, '<=', r?.cold20Signed && `${r.cold20Signed.wallMs} ms / ${r.cold20.wallMs} ms (${r.cold20Signed.requests} / ${r.cold20.requests} requests)`),
  target('locked render of 20 verified images ≤ 10 ms over no policy', T && T.key.wallMs - T.plain.wallMs, 10, '<=', T && `${T.key.wallMs} ms − ${T.plain.wallMs} ms (--offline, medians of ${T.key.runs} rounds)`),
  target('warm render makes no requests', r?.warmLock && r.warmLock.requests + r.warmDigest.requests, 0, '<=', r?.warmLock && `after lock: ${r.warmLock.requests}; digest-pinned, warm cache: ${r.warmDigest.requests}`),
];

function mb(b) {
  return `${(b / 1e6).toFixed(1)} MB`;
}

// ---- the table ----
const rows = [];
const prevOf = (name, key) => previous?.cases?.[name]?.[key];
const delta = (now, before) => (before ? `${now >= before ? '+' : ''}${Math.round(((now - before) / before) * 100)}%` : '');
rows.push(['case', 'E × N', 'resources', 'output', 'render', 'RSS', 'node -e \'\'', 'bytes floor', 'render / bytes floor', 'RSS / output', 'vs last', 'snapshot render']);
for (const [name, c] of Object.entries(C)) {
  rows.push([
    name,
    `${c.extensions} × ${c.namespaces}`,
    String(c.resources),
    mb(c.outputBytes),
    `${c.render.wallMs} ms`,
    mb(c.render.rssKb * 1024),
    c.nodeStart ? `${c.nodeStart.wallMs} ms` : '',
    `${c.bytesFloor.wallMs} ms`,
    `${(c.render.wallMs / c.bytesFloor.wallMs).toFixed(2)}`,
    `${((c.render.rssKb * 1024) / c.outputBytes).toFixed(2)}`,
    delta(c.render.wallMs, prevOf(name, 'render')?.wallMs),
    c.renderSnapshot ? `${c.renderSnapshot.wallMs} ms` : '',
  ]);
}
const table = [`meshext bench, ${machine.date.slice(0, 10)}: ${machine.nproc} × ${machine.cpu}, node ${machine.node}`, `(wall: median of ${quick ? 'quick' : 'full'} rounds; peak RSS: ${RSS_METHOD})`, '', ...formatTable(rows)];
if (F) table.push('', `fleet (${F.clusters} clusters × ${F.extensions} × ${F.namespaces}, ${F.resourcesPerCluster} resources and ${mb(F.outputBytesPerCluster)} per cluster): --all-clusters ${F.allClusters.wallMs} ms (RSS ${mb(F.allClusters.rssKb * 1024)}), one cluster ${F.oneCluster.wallMs} ms, that cluster alone ${F.clusterAlone.wallMs} ms; validating the ${F.clusters} Meshes alone ${F.readMeshes.wallMs} ms, one of them ${F.readMesh.wallMs} ms`);
if (results.kustomize) table.push('', `kubectl kustomize over the ${results.kustomize.resources} rendered resources: ${results.kustomize.wallMs} ms, RSS ${mb(results.kustomize.rssKb * 1024)} (${machine.kubectl})`);
if (r && !r.skipped) {
  table.push(
    '',
    `resolution (${r.images} images, every request ${r.delayMs} ms late): cold 1 image ${r.cold1.wallMs} ms (${r.cold1.requests} requests), cold ${r.images} images ${r.cold20.wallMs} ms (${r.cold20.requests} requests),`,
    `  lock ${r.lock.wallMs} ms; warm render after lock ${r.warmLock.wallMs} ms (${r.warmLock.requests} requests), digest-pinned with warm cache ${r.warmDigest.wallMs} ms (${r.warmDigest.requests}), tags with warm cache and no lock ${r.warmTag.wallMs} ms (${r.warmTag.requests})`,
    `  trust (one key; half cosign classic .sig, half bundles as referrers): cold ${r.images} signed images ${r.cold20Signed.wallMs} ms (${r.cold20Signed.requests} requests); after lock, render --offline: no policy ${T.plain.wallMs} ms, key policy ${T.key.wallMs} ms, keyless policy ${T.keyless.wallMs} ms (medians of ${T.key.runs} rounds)`,
  );
} else if (r?.skipped) table.push('', `resolution: skipped (${r.skipped})`);
if (C.small?.renderSnapshot) {
  const k = C.k1000?.renderSnapshot && results.kustomize ? `; k1000 ${C.k1000.renderSnapshot.wallMs} ms, ${(results.kustomize.wallMs / C.k1000.renderSnapshot.wallMs).toFixed(1)} × faster than kubectl kustomize` : '';
  table.push('', `startup-snapshot experiment (not the shipped CLI): small ${C.small.renderSnapshot.wallMs} ms = ${(C.small.renderSnapshot.wallMs / C.small.nodeStart.wallMs).toFixed(2)} × node -e ''${k}`);
}
table.push('', ...formatTable([['target', 'measured', 'limit', 'met', 'from'], ...results.targets.map((t) => [t.name, t.value === null ? '—' : String(t.value), `${t.cmp ?? ''} ${t.limit}`, t.met === null ? 'not run' : t.met ? 'yes' : 'NO', t.detail ?? ''])]));
process.stdout.write(`${table.join('\n')}\n`);

function formatTable(rs) {
  const widths = rs[0].map((_, i) => Math.max(...rs.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(rs[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rs.slice(1).map(line)];
}

results.table = table.join('\n');
mkdirSync(BENCH, { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
if (!only && !quick && !runsOverride) {
  writeFileSync(README_COPY, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${RESULTS} and ${README_COPY}`);
} else log(`wrote ${RESULTS} (a partial or quick run: ${README_COPY} left as it was)`);
if (!GNU_TIME) log('note: /usr/bin/time is missing, so peak RSS was polled from /proc');
