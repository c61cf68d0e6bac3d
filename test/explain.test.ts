// meshext explain: the chain per namespace and selector, in Istio's order, with ties flagged.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

const DIR = join(import.meta.dirname, 'fixtures', 'explain');

test('text: phases in order, highest priority first, workload namespace before root, ties warned', async () => {
  const r = await runCli(['explain', DIR]);
  assert.is(r.code, 0, r.stderr);
  assert.fixture(
    r.stdout,
    `namespace istio-system
  every workload:
    STATS
       1. global-stats             priority 5        WasmPlugin in istio-system  (decl.yaml)
  workloads with app=api:
    AUTHN
       1. authn-first              priority -3       WasmPlugin in istio-system [SERVER]  (decl.yaml)
    STATS
       2. global-stats             priority 5        WasmPlugin in istio-system  (decl.yaml)

namespace shop
  every workload:
    AUTHZ
       1. authz-b                  priority 10       WasmPlugin in shop  (decl.yaml)
    STATS
       2. global-stats             priority 5        WasmPlugin in istio-system  (decl.yaml)
  workloads with app=api:
    AUTHN
       1. authn-first              priority -3       WasmPlugin in istio-system [SERVER]  (decl.yaml)
    AUTHZ
       2. authz-a                  priority 10       WasmPlugin in shop  (decl.yaml)
       3. authz-b                  priority 10       WasmPlugin in shop  (decl.yaml)
    STATS
       4. global-stats             priority 5        WasmPlugin in istio-system  (decl.yaml)
    warning: authz-a and authz-b tie in AUTHZ at priority 10: Istio orders them by creation time, which GitOps does not control; give them different priorities

`,
  );
});

test('json and markdown carry the same chain', async () => {
  const j = await runCli(['explain', DIR, '--format', 'json']);
  assert.is(j.code, 0, j.stderr);
  const shop = (JSON.parse(j.stdout) as { namespaces: { namespace: string; groups: { selector: string; chain: { name: string }[]; warnings: string[] }[] }[] }).namespaces.find((n) => n.namespace === 'shop')!;
  assert.equal(shop.groups.map((g) => [g.selector, g.chain.map((e) => e.name), g.warnings.length]), [
    ['*', ['authz-b', 'global-stats'], 0],
    ['app=api', ['authn-first', 'authz-a', 'authz-b', 'global-stats'], 1],
  ]);
  const m = await runCli(['explain', DIR, '--format', 'markdown']);
  assert.is(m.code, 0);
  assert.ok(m.stdout.includes('| 2 | AUTHZ | 10 | WasmPlugin `authz-a` | shop | all | decl.yaml |'), m.stdout);
  assert.ok(m.stdout.includes('> **warning:** authz-a and authz-b tie in AUTHZ at priority 10'));
  assert.is((await runCli(['explain', DIR, '--format', 'yaml'])).code, 2);
});

test.run();
