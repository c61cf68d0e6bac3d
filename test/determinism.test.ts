// Same inputs, same bytes: whatever order the files are created in and the documents are
// written in (ARCHITECTURE.md, "Determinism"). Every golden case is re-rendered from a shuffled copy.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { runCli } from './_cli.ts';

const CASES = join(import.meta.dirname, 'cases');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** A seeded shuffle, so a failure can be reproduced. */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function shuffledCopy(input: string, seed: number): string {
  const dest = mkdtempSync(join(tmpdir(), 'meshext-shuffle-'));
  for (const f of shuffle(files(input), seed)) {
    const rel = relative(input, f);
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    let text = readFileSync(f, 'utf8');
    if (/\.(ya?ml)$/.test(f) && !f.endsWith('meshext.lock')) {
      const docs = text.split(/^---\s*$/m).filter((d) => d.trim() !== '');
      text = shuffle(docs, seed + 1).map((d) => d.trim() + '\n').join('---\n');
    }
    writeFileSync(join(dest, rel), text);
  }
  return dest;
}

for (const name of readdirSync(CASES).sort()) {
  const expected = join(CASES, name, 'expected.yaml');
  if (!existsSync(expected) || existsSync(join(CASES, name, 'args'))) continue;
  test(`${name}: shuffled files and documents render the same bytes`, async () => {
    for (const seed of [1, 2, 3]) {
      const dir = shuffledCopy(join(CASES, name, 'input'), seed);
      try {
        const r = await runCli(['render', dir, '--offline']);
        assert.is(r.code, 0, r.stderr);
        assert.fixture(r.stdout, readFileSync(expected, 'utf8'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
}

test('stdin and a directory give the same resources (without the source annotation)', async () => {
  const input = join(CASES, 'rule2-overrides', 'input');
  const stdin = readFileSync(join(input, 'mesh.yaml'), 'utf8') + '---\n' + readFileSync(join(input, 'ext.yaml'), 'utf8');
  const fromStdin = await runCli(['render', '-', '--offline', '--lock', join(input, 'meshext.lock')], { stdin });
  assert.is(fromStdin.code, 0, fromStdin.stderr);
  const fromDir = readFileSync(join(CASES, 'rule2-overrides', 'expected.yaml'), 'utf8');
  assert.is(fromStdin.stdout, fromDir.replace(/\n {4}meshext\.dev\/source: ext\.yaml/g, ''));
});

test.run();
