// The shipped examples render offline from their committed locks, exactly as reviewed in
// test/fixtures/examples/<name>.yaml (a fleet: <name>/<cluster>.yaml, written by --all-clusters),
// and every resource satisfies Istio's CRD schema.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    // A fleet renders each cluster into a file of its own: test/fixtures/examples/<name>/<cluster>.yaml.
    const out = extra.includes('--all-clusters') ? mkdtempSync(join(tmpdir(), 'meshext-example-')) : undefined;
    const r = await runCli(['render', join(EXAMPLES, name), '--offline', '--locked', ...extra, ...(out ? ['-o', out] : [])]);
    assert.is(r.code, 0, r.stderr);
    const outputs = out ? readdirSync(out).sort().map((f) => [join(name, f), readFileSync(join(out, f), 'utf8')] as const) : [[`${name}.yaml`, r.stdout] as const];
    if (out) {
      assert.is(r.stdout, '');
      rmSync(out, { recursive: true, force: true });
      if (process.env.UPDATE === '1') mkdirSync(join(GOLDEN, name), { recursive: true });
      else assert.equal(outputs.map(([f]) => f), readdirSync(join(GOLDEN, name)).sort().map((f) => join(name, f)), 'one file per cluster');
    }
    for (const [file, text] of outputs) {
      const golden = join(GOLDEN, file);
      if (process.env.UPDATE === '1') writeFileSync(golden, text);
      assert.fixture(text, readFileSync(golden, 'utf8'));
      for (const doc of parseAllDocuments(text)) {
        const obj = (doc as { toJS(): unknown }).toJS() as Record<string, unknown>;
        assert.equal(validateIstioResource(obj), [], `${String(obj.kind)} ${JSON.stringify(obj.metadata)}`);
      }
    }
  });
}

test.run();
