// The checkout may be anywhere: below a directory only its owner can enter (`mktemp -d` is 0700),
// under a path with dots and spaces. A file URL spells a space as %20, so a path taken from a URL's
// `.pathname` names no file there; the built CLI finds its app script, code cache and validators
// from its own location, so a copy of dist/ at such a path must render as the original does.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

test('the built CLI works from a path with dots and spaces below a private directory', () => {
  const base = mkdtempSync(join(tmpdir(), 'meshext-path-'));
  try {
    const repo = join(base, 'x.y z', 'my repo.v2');
    cpSync(join(ROOT, 'dist'), join(repo, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'examples', 'native'), join(repo, 'examples', 'native'), { recursive: true });
    const render = (bin: string) => spawnSync(process.execPath, [bin, 'render', 'examples/native', '--offline'], { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: base } });
    const moved = render(join(repo, 'dist', 'meshext.cjs'));
    assert.is(moved.status, 0, moved.stderr);
    assert.ok(moved.stdout.includes('kind: WasmPlugin'));
    assert.is(moved.stdout, render(join(ROOT, 'dist', 'meshext.cjs')).stdout);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('no source, test or script turns a file URL into a path with .pathname (use fileURLToPath)', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      if (n === 'node_modules' || n === '_generated' || n === 'cases') return [];
      return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs|js|cjs)$/.test(n) ? [p] : [];
    });
  const bad = ['src', 'test', 'scripts']
    .flatMap((d) => files(join(ROOT, d)))
    .filter((f) => /import\.meta\.url\)\.pathname|__filename\)\.pathname/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  assert.equal(bad, []);
});

test.run();
