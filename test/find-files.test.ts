// Finding input files (every *.yaml, *.yml and *.json under a PATH): the node:fs walk finds exactly what fast-glob's
// `**/*.{yaml,yml,json}` found with the options it replaced, and a PATH that is a glob pattern is
// expanded by fast-glob, loaded only then (docs/decisions.md, decision 16).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import fg from 'fast-glob';
import { findInputFiles, walk } from '../src/load/find-files.ts';
import { loadPaths } from '../src/load/read-input.ts';
import type { Diagnostic } from '../src/model/diagnostic.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'meshext.cjs');
const CASE = join(import.meta.dirname, 'cases', 'rule2-overrides', 'input');
const NOBODY = 65534;

const OLD_OPTIONS = { onlyFiles: true, ignore: ['**/node_modules/**', '**/.git/**'], followSymbolicLinks: false };

/**
 * The files fast-glob matched where src/load/find-files.ts called it before the walk replaced it.
 * It passed `absolute: true` too, with which fast-glob also turns a `\` in a name into `/`, naming
 * a file that does not exist (the render then crashed); so the names are taken as matched.
 */
const fastGlobFind = (cwd: string) => fg.sync('**/*.{yaml,yml,json}', { cwd, ...OLD_OPTIONS }).map((f) => join(cwd, f)).sort();

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `meshext-${prefix}-`));
  chmodSync(d, 0o755); // the unprivileged runs below must reach it
  return d;
}

function write(root: string, rel: string | Buffer, text = '') {
  const path = typeof rel === 'string' ? join(root, rel) : Buffer.concat([Buffer.from(root + '/'), rel]);
  mkdirSync(dirname(path.toString()), { recursive: true });
  writeFileSync(path, text);
}

/** Runs `body` on a fresh tree from `make`, and removes the tree afterwards. */
async function inTree(make: () => string, body: (d: string) => void | Promise<void>) {
  const d = make();
  try {
    await body(d);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

/** A tree with every case the walk must treat as fast-glob does. */
function edgeTree(): string {
  const d = tmp('walk');
  for (const f of [
    'a.yaml', 'b.yml', 'c.json', 'nested/deep/er/d.yaml', 'nested/e.json',
    'upper.YAML', 'mixed.Yml', 'shout.JSON', 'x.yaml.bak', 'x.json5', 'yaml', 'noext',
    '.dot.yaml', '.yaml', '.hidden/h.yaml', 'nested/.hidden/h.yaml', 'nested/.h.yml',
    'node_modules/n.yaml', 'node_modules/pkg/p.json', 'nested/node_modules/n.yaml', 'Node_Modules/kept.yaml', 'node_modules.yaml',
    '.git/config.json', 'nested/.git/HEAD.yaml',
    'nested/a.yaml/inside.yaml', 'dir.json/x.yml', 'dir.yml/.y.yaml',
    'sp ace.yaml', 'st*r.yaml', '[br].json', '{x,y}.yml', '(p).json', '!bang.yaml', '#h.yaml', '~t.yaml', '-d.yaml', 'back\\slash.yaml', 'new\nline.yaml', 'trailing.yaml ', 'tab\t.yml',
    'ünïcødé.yaml', '日本/設定.yml', 'cafe\u0301.yaml', 'café.json', '😀.yaml',
    'target-dir/t.yaml', 'linked/in.yaml',
  ]) write(d, f, 'x: 1\n');
  write(d, Buffer.from([0xff, 0x2e, 0x79, 0x61, 0x6d, 0x6c])); // `\xff.yaml`: not UTF-8
  symlinkSync('a.yaml', join(d, 'link-to-file.yaml'));
  symlinkSync('target-dir', join(d, 'link-to-dir'));
  symlinkSync('target-dir', join(d, 'link-to-dir.yaml'));
  symlinkSync('nowhere.yaml', join(d, 'dangling.yaml'));
  symlinkSync('..', join(d, 'nested', 'loop'));
  symlinkSync(join(d, 'linked'), join(d, 'nested', 'abs-link'));
  assert.is(spawnSync('mkfifo', [join(d, 'fifo.yaml')]).status, 0);
  mkdirSync(join(d, 'empty.yaml'));
  return d;
}

test('the walk finds exactly what fast-glob found, edge cases included', () =>
  inTree(edgeTree, (d) => {
    const diagnostics: Diagnostic[] = [];
    const walked = walk(d, d, diagnostics).sort();
    assert.equal(diagnostics, []);
    assert.equal(walked, fastGlobFind(d));
    const absolute = fg.sync('**/*.{yaml,yml,json}', { cwd: d, absolute: true, ...OLD_OPTIONS });
    assert.equal(absolute.filter((f) => !walked.includes(f)), [join(d, 'back/slash.yaml')]); // the one difference
    // Spelled out, so a change in either shows here, not only as a difference.
    assert.equal(walked.map((f) => relative(d, f)).sort(), [
      '!bang.yaml', '#h.yaml', '(p).json', '-d.yaml', 'Node_Modules/kept.yaml', '[br].json', 'a.yaml', 'b.yml', 'back\\slash.yaml', 'c.json',
      'cafe\u0301.yaml', 'café.json', 'dir.json/x.yml', 'linked/in.yaml', 'nested/a.yaml/inside.yaml', 'nested/deep/er/d.yaml', 'nested/e.json', 'new\nline.yaml', 'node_modules.yaml',
      'sp ace.yaml', 'st*r.yaml', 'tab\t.yml', 'target-dir/t.yaml', 'ünïcødé.yaml', '{x,y}.yml', '~t.yaml', '日本/設定.yml', '\ufffd.yaml', '😀.yaml',
    ].sort());
  }));

test('a node_modules or dot directory named as the PATH is walked like any other, as fast-glob did', () =>
  inTree(edgeTree, (d) => {
    for (const sub of ['node_modules', '.hidden', 'nested/.git']) {
      const diagnostics: Diagnostic[] = [];
      const walked = walk(join(d, sub), d, diagnostics).sort();
      assert.equal(diagnostics, []);
      assert.equal(walked, fastGlobFind(join(d, sub)), sub);
      assert.ok(walked.length > 0, sub);
    }
  }));

test('findInputFiles sorts by root-relative path, drops duplicates, and takes named files whatever their name', () =>
  inTree(edgeTree, async (d) => {
    const r = await findInputFiles(['.', 'nested', 'upper.YAML', 'link-to-dir'], d);
    assert.is(r.root, d);
    assert.equal(r.diagnostics, []);
    const expected = [...new Set([...fastGlobFind(d), join(d, 'upper.YAML'), ...fastGlobFind(join(d, 'link-to-dir'))])];
    assert.equal(r.files, expected.sort((a, b) => (relative(d, a) < relative(d, b) ? -1 : 1)));
    assert.ok(r.files.includes(join(d, 'link-to-dir', 't.yaml'))); // a named link is followed
    // A pattern's matches keep their names, `\` included; a file matched is taken whatever its name.
    const p = await findInputFiles(['b*', 'upper.*'], d);
    assert.equal(p, { root: d, files: [join(d, 'b.yml'), join(d, 'back\\slash.yaml'), join(d, 'upper.YAML')], diagnostics: [] });
  }));

test('a file the walk lists but cannot stat is a FILE_READ error, not a crash', () =>
  inTree(() => tmp('badname'), async (d) => {
    write(d, Buffer.from([0xff, 0x2e, 0x79, 0x61, 0x6d, 0x6c]), 'x: 1\n');
    const diagnostics: Diagnostic[] = [];
    const r = await loadPaths([d], d, (x) => diagnostics.push(x));
    assert.is(r.fileCount, 1);
    assert.equal(diagnostics, [{ code: 'FILE_READ', severity: 'error', message: 'cannot read: ENOENT', file: '\ufffd.yaml' }]);
  }));

/** Runs `node args` (the kit's copy of this Node) as an unprivileged user (root reads everything, so permissions test nothing as root). */
function unprivileged(kit: { node: string }, args: readonly string[], cwd: string) {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(kit.node, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd }, ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * What the unprivileged runs execute, copied out of the checkout: the checkout may sit below a
 * directory that user cannot enter (a `mktemp -d` is 0700), and then a script inside it is not
 * found. `bin` is the built CLI (dist is self-contained); `fastGlob` is fast-glob bundled into one file;
 * `node` is this Node, which npm scripts run from the checkout's node_modules.
 */
function unprivilegedKit(): { dir: string; bin: string; fastGlob: string; node: string } {
  const dir = tmp('perm-kit');
  const node = join(dir, 'node');
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
  }
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const fastGlob = join(dir, 'fast-glob.cjs');
  buildSync({ entryPoints: [join(ROOT, 'node_modules', 'fast-glob')], bundle: true, platform: 'node', format: 'cjs', outfile: fastGlob, logLevel: 'silent' });
  return { dir, bin: join(dir, 'dist', 'meshext.cjs'), fastGlob, node };
}

test('unreadable directories: fast-glob threw; the walk names each in a FILE_READ error and skips dot and node_modules ones', () => {
  const d = tmp('perm');
  const kit = unprivilegedKit();
  try {
    write(d, 'ok/mesh.yaml', readFileSync(join(CASE, 'mesh.yaml'), 'utf8'));
    for (const f of ['locked/a.yaml', 'listable/f.yaml', 'listable/sub/g.yaml', '.hidden/h.yaml', 'node_modules/n.yaml', 'ok/node_modules/n.yaml']) write(d, f, 'x: 1\n');
    for (const dir of ['locked', '.hidden', 'node_modules', 'ok/node_modules']) chmodSync(join(d, dir), 0o000);
    chmodSync(join(d, 'listable'), 0o744); // others may list it but not enter it
    const fgScript = `try { console.log(require(${JSON.stringify(kit.fastGlob)}).sync('**/*.{yaml,yml,json}', ${JSON.stringify(OLD_OPTIONS)}).join()) } catch (e) { console.log(e.code) }`;
    // Controls: the runs below are unprivileged, reach the CLI and fast-glob, and both work on a readable tree.
    if (process.getuid?.() === 0) assert.is(unprivileged(kit, ['-p', 'process.getuid()'], d).stdout, `${NOBODY}\n`);
    const fgOk = unprivileged(kit, ['-e', fgScript], join(d, 'ok'));
    assert.is(fgOk.stdout, 'mesh.yaml\n', fgOk.stderr);
    const ok = unprivileged(kit, [kit.bin, 'validate', 'ok', '--allow-empty'], d);
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /^meshext: valid: /);
    const fgRun = unprivileged(kit, ['-e', fgScript], d);
    assert.is(fgRun.stdout, 'EACCES\n', fgRun.stderr);
    const r = unprivileged(kit, [kit.bin, 'validate', '.'], d);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.is(
      r.stderr,
      'listable/f.yaml: error: cannot read: EACCES\n' +
        'listable/sub: error: cannot read directory: EACCES\n' +
        'locked: error: cannot read directory: EACCES\n' +
        'meshext: 3 errors; nothing was written\n',
    );
    // A pattern whose expansion meets one: the same error, naming the pattern.
    const p = unprivileged(kit, [kit.bin, 'validate', 'lock*/*', 'ok'], d);
    assert.is(p.code, 1);
    assert.is(p.stderr, 'locked: error: cannot read directory: EACCES (expanding lock*/*)\nmeshext: 1 error; nothing was written\n');
  } finally {
    for (const dir of ['locked', '.hidden', 'node_modules', 'ok/node_modules', 'listable']) chmodSync(join(d, dir), 0o755);
    rmSync(d, { recursive: true, force: true });
    rmSync(kit.dir, { recursive: true, force: true });
  }
});

function meshext(args: readonly string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ext = (name: string, namespace: string) =>
  `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  image: reg.example/wasm/plain:1.0\n  phase: AUTHZ\n`;

/** teams/{a,b}/extensions, a lock in teams/, and entries a pattern must not pick up (each would fail the render). */
function teamsTree(): string {
  const d = tmp('glob');
  write(d, 'teams/meshext.lock', readFileSync(join(CASE, 'meshext.lock'), 'utf8'));
  write(d, 'teams/a/extensions/mesh.yaml', readFileSync(join(CASE, 'mesh.yaml'), 'utf8'));
  write(d, 'teams/a/extensions/ext.yaml', ext('hdr-a', 'payments'));
  write(d, 'teams/b/extensions/ext.yaml', ext('hdr-b', 'orders'));
  for (const bad of ['teams/.c/extensions/ext.yaml', 'teams/node_modules/extensions/ext.yaml', 'teams/b/extensions/.draft.yaml', 'teams/b/extensions/notes.txt']) write(d, bad, 'not: [yaml\n');
  write(d, 'teams/README.md', 'not: [yaml\n');
  return d;
}

test('a PATH that is a glob pattern is expanded: matched directories walked, root at the static prefix', () =>
  inTree(teamsTree, (d) => {
    const r = meshext(['render', 'teams/*/extensions', '--offline'], d);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '');
    // The lock was found in teams/ and sources are relative to it: the root is the static prefix.
    assert.equal([...r.stdout.matchAll(/meshext\.dev\/source: (.*)/g)].map((m) => m[1]), ['b/extensions/ext.yaml', 'a/extensions/ext.yaml']);
    assert.equal([...r.stdout.matchAll(/^  name: (.*)\n  namespace: (.*)$/gm)].map((m) => `${m[2]}/${m[1]}`), ['orders/hdr-b', 'payments/hdr-a']);
    // The same as naming teams/ itself, whose walk finds the same files.
    assert.is(r.stdout, meshext(['render', 'teams', '--offline'], d).stdout);
  }));

test('a pattern matching files takes them; an absolute pattern has its static prefix as root', () =>
  inTree(teamsTree, (d) => {
    const named = meshext(['render', 'teams', '--offline'], d);
    assert.is(named.code, 0, named.stderr);
    for (const pattern of ['teams/*/extensions/*.yaml', join(d, 'teams/[ab]/ext*'), 'teams/{a,b}/extensions']) {
      const r = meshext(['render', pattern, '--offline'], d);
      assert.is(r.code, 0, `${pattern}: ${r.stderr}`);
      assert.is(r.stdout, named.stdout, pattern);
    }
  }));

test('a pattern that matches nothing is reported like a missing path', () =>
  inTree(teamsTree, (d) => {
    const r = meshext(['render', 'teams/*/nothing', '--offline'], d);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.is(r.stderr, `error: no file or directory matches: ${d}/teams/*/nothing\nmeshext: 1 error; nothing was written\n`);
    const m = meshext(['render', 'teams/nothing', '--offline'], d);
    assert.is(m.code, 1);
    assert.is(m.stderr, `error: no such file or directory: ${d}/teams/nothing\nmeshext: 1 error; nothing was written\n`);
    // A pattern among other paths: the others still load, the render still fails.
    const both = meshext(['validate', 'teams', 'teams/*/nothing'], d);
    assert.is(both.code, 1);
    assert.is(both.stderr, `error: no file or directory matches: ${d}/teams/*/nothing\nmeshext: 1 error; nothing was written\n`);
  }));

test('a path that exists is taken literally even when it looks like a pattern', () =>
  inTree(teamsTree, (d) => {
    // As a pattern, teams/[ab] would match teams/a and teams/b.
    write(d, 'teams/[ab]/mesh.yaml', readFileSync(join(CASE, 'mesh.yaml'), 'utf8'));
    write(d, 'teams/[ab]/ext.yaml', ext('literal', 'orders'));
    copyFileSync(join(CASE, 'meshext.lock'), join(d, 'teams/[ab]/meshext.lock'));
    const r = meshext(['render', 'teams/[ab]', '--offline'], d);
    assert.is(r.code, 0, r.stderr);
    assert.equal([...r.stdout.matchAll(/meshext\.dev\/source: (.*)/g)].map((m) => m[1]), ['ext.yaml']);
    assert.match(r.stdout, /\n  name: literal\n/);
  }));

test('a named path that is neither file nor directory, such as a pipe, is read as a file', () =>
  inTree(() => tmp('pipe'), (d) => {
    write(d, 'in.yaml', readFileSync(join(CASE, 'mesh.yaml'), 'utf8') + '---\n' + ext('piped', 'orders'));
    // A shell pipe, as `meshext validate <(cat in.yaml)` would give (spawnSync's stdin is a socket).
    const r = spawnSync('sh', ['-c', 'cat in.yaml | "$0" "$1" validate /dev/stdin', process.execPath, BIN], { cwd: d, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, 'meshext: valid: 1 resource from 1 declaration\n');
  }));

test.run();
