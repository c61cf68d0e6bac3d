// Trust in a fleet: each Mesh checks its own images against its own spec.trust. Built from
// examples/trust's signed lock and keys (real signatures, verified offline), with a second Mesh
// for another cluster beside the first.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from './_cli.ts';
import { newKey } from './_sigstore.ts';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'trust');
const VERIFIED_BY = 'meshext.dev/verified-by';

/** examples/trust as a fleet: its Mesh becomes cluster `signed`, and a second Mesh `other` is added. */
function fleet(otherTrust: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshext-trust-fleet-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  const mesh = readFileSync(join(dir, 'mesh.yaml'), 'utf8').replace('metadata:\n  name: prod\nspec:\n', 'metadata:\n  name: prod\nspec:\n  cluster: signed\n');
  writeFileSync(join(dir, 'mesh.yaml'), mesh);
  writeFileSync(
    join(dir, 'mesh-other.yaml'),
    `apiVersion: meshext.dev/v1alpha1
kind: Mesh
metadata:
  name: other
spec:
  cluster: other
  istioVersion: "1.28"
  namespaces:
  - name: payments
${otherTrust}`,
  );
  return dir;
}

async function renderAll(dir: string): Promise<{ code: number; stderr: string; files: Record<string, Record<string, unknown>[]> }> {
  const out = mkdtempSync(join(tmpdir(), 'meshext-trust-fleet-out-'));
  const r = await runCli(['render', dir, '--offline', '--all-clusters', '-o', out], { env: { PATH: process.env.PATH, HOME: tmpdir(), XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'meshext-cache-')) } });
  const files: Record<string, Record<string, unknown>[]> = {};
  for (const f of readdirSync(out)) files[f] = parseAllDocuments(readFileSync(join(out, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  rmSync(out, { recursive: true, force: true });
  return { code: r.code, stderr: r.stderr, files };
}

const annotations = (doc: Record<string, unknown>) => ((doc.metadata as Record<string, unknown>).annotations ?? {}) as Record<string, string>;

test('a Mesh without spec.trust renders its images unverified, even when the lock keeps evidence another Mesh verified', async () => {
  const dir = fleet('');
  const r = await renderAll(dir);
  assert.is(r.code, 0, r.stderr);
  assert.equal(Object.keys(r.files).sort(), ['other.yaml', 'signed.yaml']);
  assert.is(r.files['signed.yaml']!.length, 2);
  for (const d of r.files['signed.yaml']!) assert.ok(annotations(d)[VERIFIED_BY], `signed cluster: ${JSON.stringify(d.metadata)}`);
  assert.is(r.files['other.yaml']!.length, 2);
  for (const d of r.files['other.yaml']!) assert.is(annotations(d)[VERIFIED_BY], undefined);
});

test('each Mesh applies its own policies: a second Mesh that trusts another key fails the fleet render, naming its policy', async () => {
  const stranger = newKey('p256');
  const dir = fleet(`  trust:
    unmatched: allow
    policies:
    - name: other-platform
      images: ["registry.example.com/platform/**"]
      keys:
      - |
${stranger.pem.trimEnd().split('\n').map((l) => `        ${l}`).join('\n')}
`);
  const r = await renderAll(dir);
  assert.is(r.code, 3, r.stderr);
  assert.equal(r.files, {}, 'all or nothing');
  assert.match(r.stderr, /registry\.example\.com\/platform\/header-auth:1\.4\.0 is not verified/);
  assert.match(r.stderr, /policy other-platform/);
  assert.not.match(r.stderr, /ghcr\.io\/acme\/filters\/rate-limit:2\.1\.0 is not verified/, 'unmatched: allow in the other Mesh');
});

test('a second Mesh with the same policies, read from the same directory, verifies alike', async () => {
  const dir = fleet('');
  const trust = readFileSync(join(dir, 'mesh.yaml'), 'utf8').split('  trust:\n')[1]!;
  writeFileSync(join(dir, 'mesh-other.yaml'), `${readFileSync(join(dir, 'mesh-other.yaml'), 'utf8')}  trust:\n${trust}`);
  const r = await renderAll(dir);
  assert.is(r.code, 0, r.stderr);
  const by = (f: string) => r.files[f]!.map((d) => annotations(d)[VERIFIED_BY]);
  assert.equal(by('other.yaml'), by('signed.yaml'));
  assert.ok(by('other.yaml').every((v) => v !== undefined));
});

test('render --locked of one cluster passes when another cluster\'s Mesh verified an image both use: meshext lock keeps that evidence for the fleet, so there is nothing it would drop', async () => {
  const dir = fleet('');
  const env = { PATH: process.env.PATH, HOME: tmpdir(), XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'meshext-cache-')) };
  for (const cluster of ['other', 'signed']) {
    const r = await runCli(['render', dir, '--offline', '--locked', '--cluster', cluster], { env });
    assert.is(r.code, 0, `${cluster}: ${r.stderr}`);
  }
  // A policy no Mesh of the fleet declares any more is still evidence meshext lock would drop.
  const lock = readFileSync(join(dir, 'meshext.lock'), 'utf8');
  writeFileSync(join(dir, 'meshext.lock'), lock.replace('policy: filters-ci', 'policy: retired'));
  const r = await runCli(['render', dir, '--offline', '--locked', '--cluster', 'other'], { env });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /for trust policy retired, which meshext lock would now drop/);
});

test('two revisions of one cluster, one with spec.trust and one without: only the resources of the Mesh that verified the image carry meshext.dev/verified-by', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshext-trust-revisions-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  // Revision "a" verifies (it sorts first, so its resources are emitted first); revision "b" has no trust policy.
  const verified = readFileSync(join(dir, 'mesh.yaml'), 'utf8').replace('metadata:\n  name: prod\nspec:\n', 'metadata:\n  name: prod\nspec:\n  cluster: prod\n  revision: a\n');
  writeFileSync(join(dir, 'mesh.yaml'), verified);
  writeFileSync(join(dir, 'mesh-b.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata:\n  name: prod-b\nspec:\n  cluster: prod\n  revision: b\n  istioVersion: "1.28"\n  namespaces:\n  - name: payments\n  - name: shop\n');
  const r = await runCli(['render', dir, '--offline'], { env: { PATH: process.env.PATH, HOME: tmpdir(), XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'meshext-cache-')) } });
  assert.is(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>);
  const byRevision = (rev: string) => docs.filter((d) => (d.metadata as { labels: Record<string, string> }).labels['istio.io/rev'] === rev).map((d) => annotations(d)[VERIFIED_BY]);
  assert.is(byRevision('a').length, 2);
  assert.ok(byRevision('a').every((v) => v !== undefined), 'revision a verified its images');
  assert.equal(byRevision('b'), [undefined, undefined], 'revision b has no trust policy');
});

test.run();
