// The shipped examples render offline from their committed locks, exactly as reviewed in
// test/fixtures/examples/<name>.yaml, and every resource satisfies Istio's CRD schema.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from './_cli.ts';
import { validateIstioResource } from './_istio-crd.ts';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples');
const GOLDEN = join(import.meta.dirname, 'fixtures', 'examples');

for (const name of readdirSync(EXAMPLES).sort()) {
  if (!existsSync(join(EXAMPLES, name, 'meshext.lock')) || name === 'live') continue;
  test(`examples/${name} renders offline as reviewed`, async () => {
    // render.args: the options the example's README asks for (e.g. -n for manifests without a namespace).
    const argsFile = join(EXAMPLES, name, 'render.args');
    const extra = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
    const r = await runCli(['render', join(EXAMPLES, name), '--offline', '--locked', ...extra]);
    assert.is(r.code, 0, r.stderr);
    const golden = join(GOLDEN, `${name}.yaml`);
    if (process.env.UPDATE === '1') writeFileSync(golden, r.stdout);
    assert.fixture(r.stdout, readFileSync(golden, 'utf8'));
    for (const doc of parseAllDocuments(r.stdout)) {
      const obj = (doc as { toJS(): unknown }).toJS() as Record<string, unknown>;
      assert.equal(validateIstioResource(obj), [], `${String(obj.kind)} ${JSON.stringify(obj.metadata)}`);
    }
  });
}

test.run();
