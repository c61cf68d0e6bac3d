// The pipeline's shape, checked as go-containerregistry's depcheck_test.go checks its own: a stage
// imports only earlier stages, only `resolve` touches the network, only `cli` touches process
// globals. test/self-contained.test.ts beside it checks that no file cites a document outside the
// repository.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');
const ORDER = ['model', 'load', 'schema', 'translate', 'expand', 'resolve', 'emit', 'explain', 'diff', 'render.ts', 'cli'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? (n === '_generated' ? [] : files(p)) : p.endsWith('.ts') ? [p] : [];
  });
}

const stageOf = (file: string) => relative(SRC, file).split('/')[0]!;
const rank = (stage: string) => {
  const r = ORDER.indexOf(stage);
  assert.ok(r >= 0, `unknown stage ${stage}: add it to ORDER`);
  return r;
};
const sources = files(SRC).map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));

test('no stage imports a later stage', () => {
  const bad: string[] = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(SRC)) continue;
      if (rank(stageOf(target)) > rank(stageOf(file))) bad.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  assert.equal(bad, []);
});

test('only resolve reaches the network', () => {
  const bad = sources.filter(({ file, text }) => stageOf(file) !== 'resolve' && /\bfetch\(|'node:(https?|net|tls|dgram)'/.test(text)).map(({ file }) => relative(SRC, file));
  assert.equal(bad, []);
});

test('only cli touches process globals', () => {
  const bad = sources.filter(({ file, text }) => stageOf(file) !== 'cli' && /\bprocess\.(env|argv|cwd|exit|stdin|stdout|stderr|exitCode)\b/.test(text)).map(({ file }) => relative(SRC, file));
  assert.equal(bad, []);
});

test.run();
