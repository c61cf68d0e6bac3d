// Declarations as their authors published them (each file's first lines name its source): every
// one behaves as test/fixtures/real-world/expected.tsv says when validated alone in a directory,
// the way a user would try meshext on an existing repository.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runCli } from './_cli.ts';

const DIR = join(import.meta.dirname, 'fixtures', 'real-world');

interface Row {
  readonly file: string;
  readonly expect: 'ok' | 'err';
  readonly needsNamespace: boolean;
  readonly mention: string;
}

const rows: Row[] = readFileSync(join(DIR, 'expected.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => {
    const [file = '', expect = '', n = '', mention = ''] = l.split('\t');
    if (expect !== 'ok' && expect !== 'err') throw new Error(`expected.tsv: "${expect}" is not ok or err (${file})`);
    return { file, expect, needsNamespace: n === 'n', mention: mention.trim() };
  });

test('expected.tsv lists every published file, and only those', () => {
  const listed = rows.map((r) => r.file).sort();
  const onDisk = walk(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
  assert.equal(listed, onDisk);
  assert.ok(rows.length >= 28);
});

for (const row of rows) {
  test(`${row.file}: ${row.expect}${row.needsNamespace ? ' with -n demo' : ''}${row.mention ? ` naming "${row.mention}"` : ''}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshext-real-world-'));
    try {
      copyFileSync(join(DIR, row.file), join(dir, basename(row.file)));
      const r = await runCli(['validate', ...(row.needsNamespace ? ['-n', 'demo'] : []), dir], { cwd: dir });
      assert.is(r.stdout, '', 'validate prints nothing on stdout');
      assert.not.match(r.stderr, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
      if (row.expect === 'ok') {
        assert.is(r.code, 0, `expected valid; stderr:\n${r.stderr}`);
        assert.match(r.stderr, /meshext: valid: \d+ resources? from \d+ declarations?/);
      } else {
        assert.is(r.code, 1, `expected invalid (exit 1); stderr:\n${r.stderr}`);
        assert.match(r.stderr, /error: /);
        if (row.mention) assert.ok(r.stderr.toLowerCase().includes(row.mention.toLowerCase()), `the error should mention "${row.mention}"; stderr:\n${r.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// The files that need -n are refused without it, with a message that names every way to give one.
for (const row of rows.filter((r) => r.needsNamespace && r.expect === 'ok' && !r.file.includes('WasmDeploymentPolicy'))) {
  test(`${row.file}: without a namespace, the error names -n, ExtensionGenerator spec.namespace and ARGOCD_APP_NAMESPACE`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshext-real-world-'));
    try {
      copyFileSync(join(DIR, row.file), join(dir, basename(row.file)));
      const r = await runCli(['validate', dir], { cwd: dir });
      assert.is(r.code, 1);
      for (const way of ['-n/--namespace', 'spec.namespace of the ExtensionGenerator', 'ARGOCD_APP_NAMESPACE']) assert.ok(r.stderr.includes(way), `missing "${way}" in:\n${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

test.run();
