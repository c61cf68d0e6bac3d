// Maistra's six phases fold onto Istio's four, two of them sharing AUTHZ and two sharing STATS.
// Whatever priorities (within ±999,999) the declarations carry, the folded order must be Maistra's
// phase order: an extension of an earlier phase at its lowest priority still runs before one of a
// later phase at its highest. Checked at both extremes of every phase, for explain's chain and for
// the priorities of WasmPlugin and EnvoyFilter output.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from './_cli.ts';
import { tempDir } from './_registry.ts';

const PHASES = ['PreAuthN', 'PostAuthN', 'PreAuthZ', 'PostAuthZ', 'PreStats', 'PostStats'] as const;
const ISTIO_ORDER = ['AUTHN', 'AUTHZ', 'STATS', 'UNSPECIFIED_PHASE'];
const LIMIT = 999_999;
const LOCK = join(import.meta.dirname, 'cases', 'rule6-maistra-phases', 'input', 'meshext.lock');

/** One extension per phase and extreme, named so that Maistra's order is the order of the names. */
const EXTENSIONS = PHASES.flatMap((phase, i) => [
  { name: `p${i}-${phase.toLowerCase()}-high`, phase, priority: LIMIT },
  { name: `p${i}-${phase.toLowerCase()}-low`, phase, priority: -LIMIT },
]);

function repo(output: string): string {
  const dir = tempDir();
  copyFileSync(LOCK, join(dir, 'meshext.lock'));
  const mesh = `apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata: {name: m}\nspec: {istioVersion: "1.24", output: ${output}}\n`;
  const smes = EXTENSIONS.map((e) => `apiVersion: maistra.io/v1\nkind: ServiceMeshExtension\nmetadata: {name: ${e.name}, namespace: istio-system}\nspec:\n  image: reg.example/wasm/plain:1.0\n  phase: ${e.phase}\n  priority: ${e.priority}\n`);
  writeFileSync(join(dir, 'sme.yaml'), [mesh, ...smes].join('---\n'));
  return dir;
}

test('explain: every Maistra phase at -999,999 still runs before the next phase at +999,999', async () => {
  const r = await runCli(['explain', repo('WasmPlugin'), '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  const order = JSON.parse(r.stdout) as { namespaces: { namespace: string; groups: { chain: { name: string }[] }[] }[] };
  const chain = order.namespaces.find((n) => n.namespace === 'istio-system')!.groups[0]!.chain.map((e) => e.name);
  assert.equal(chain, EXTENSIONS.map((e) => e.name));
});

test('WasmPlugin: the folded phase and priority sort in Maistra phase order', async () => {
  const r = await runCli(['render', repo('WasmPlugin'), '--offline']);
  assert.is(r.code, 0, r.stderr);
  const specs = new Map(parseAllDocuments(r.stdout).map((d) => d.toJS() as { metadata: { name: string }; spec: { phase: string; priority: number } }).map((o) => [o.metadata.name, o.spec]));
  const rank = (name: string) => [ISTIO_ORDER.indexOf(specs.get(name)!.phase), -specs.get(name)!.priority];
  for (let i = 1; i < EXTENSIONS.length; i++) {
    const [a, b] = [rank(EXTENSIONS[i - 1]!.name), rank(EXTENSIONS[i]!.name)];
    assert.ok(a[0]! < b[0]! || (a[0] === b[0] && a[1]! < b[1]!), `${EXTENSIONS[i - 1]!.name} ${JSON.stringify(specs.get(EXTENSIONS[i - 1]!.name))} must run before ${EXTENSIONS[i]!.name} ${JSON.stringify(specs.get(EXTENSIONS[i]!.name))}`);
  }
});

test('EnvoyFilter: priorities ascend in Maistra phase order', async () => {
  const r = await runCli(['render', repo('EnvoyFilter'), '--offline']);
  assert.is(r.code, 0, r.stderr);
  const priorities = new Map(parseAllDocuments(r.stdout).map((d) => d.toJS() as { metadata: { name: string }; spec: { priority: number } }).map((o) => [o.metadata.name, o.spec.priority]));
  const inMaistraOrder = EXTENSIONS.map((e) => priorities.get(e.name)!);
  assert.equal(inMaistraOrder, [...inMaistraOrder].sort((a, b) => a - b));
  assert.is(new Set(inMaistraOrder).size, inMaistraOrder.length, 'no two extensions share an EnvoyFilter priority');
});

test.run();
