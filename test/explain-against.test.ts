// meshext explain --against REF with a git revision: a real temporary repository, read at a revision
// without touching its working tree or index; and the usage errors of --against.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

const CASE = join(import.meta.dirname, 'cases', 'explain-against-dir');
const tmp = mkdtempSync(join(tmpdir(), 'meshext-against-test-'));
const repo = join(tmp, 'repo');
const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example', GIT_CONFIG_NOSYSTEM: '1' };
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });

// Three commits: no declarations yet, then the REF side of the golden case, then its new side.
mkdirSync(join(repo, 'decls'), { recursive: true });
git('init', '-q', '-b', 'main');
writeFileSync(join(repo, 'README'), 'x\n');
git('add', 'README');
git('commit', '-q', '-m', 'start');
cpSync(join(CASE, 'ref', 'decl.yaml'), join(repo, 'decls', 'decl.yaml'));
git('add', 'decls');
git('commit', '-q', '-m', 'ref');
cpSync(join(CASE, 'input', 'decl.yaml'), join(repo, 'decls', 'decl.yaml'));
git('commit', '-q', '-am', 'new');

test('--against HEAD~1 gives the same report as the directory REF, and leaves the checkout alone', async () => {
  const before = git('status', '--porcelain=v1', '--ignored');
  const r = await runCli(['explain', 'decls', '--against', 'HEAD~1'], { cwd: repo });
  assert.is(r.code, 0, r.stderr);
  assert.fixture(r.stdout, readFileSync(join(CASE, 'expected.yaml'), 'utf8'));
  assert.is(r.stderr, 'meshext explain --against HEAD~1: 1 added, 1 removed, 1 moved in 1 namespace\n');
  assert.is(git('status', '--porcelain=v1', '--ignored'), before);
  assert.is(git('rev-parse', 'HEAD~1^{tree}'), git('rev-parse', 'HEAD~1^{tree}'));
});

test('the repository is found from the first PATH, whatever the working directory', async () => {
  const r = await runCli(['explain', join('repo', 'decls'), '--against', 'HEAD~1', '--fail-on-move', '--format', 'json'], { cwd: tmp });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, '--fail-on-move: the order changed against HEAD~1');
  assert.equal(JSON.parse(r.stdout).against, { ...JSON.parse(readFileSync(join(CASE, '..', 'explain-against-dir-json', 'expected.yaml'), 'utf8')).against, ref: 'HEAD~1' });
});

test('a PATH given through a symbolic link to the repository reads the same revision', async () => {
  const link = join(tmp, 'link to repo');
  symlinkSync(repo, link);
  const r = await runCli(['explain', join(link, 'decls'), '--against', 'HEAD~1'], { cwd: tmpdir() });
  assert.is(r.code, 0, r.stderr);
  assert.fixture(r.stdout, readFileSync(join(CASE, 'expected.yaml'), 'utf8'));
});

test('uncommitted edits against HEAD; a branch name; nothing moved exits 0 even with --fail-on-move', async () => {
  const r = await runCli(['explain', 'decls', '--against', 'main', '--fail-on-move'], { cwd: repo });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, 'meshext explain --against main: no change in the order\n');
  writeFileSync(join(repo, 'decls', 'decl.yaml'), readFileSync(join(CASE, 'ref', 'decl.yaml')));
  try {
    const w = await runCli(['explain', 'decls', '--against', 'HEAD'], { cwd: repo });
    assert.is(w.code, 0, w.stderr);
    assert.is(w.stderr, 'meshext explain --against HEAD: 1 added, 1 removed, 1 moved in 1 namespace\n');
    assert.match(w.stdout, '-     rate-limit');
  } finally {
    git('checkout', '-q', '--', 'decls');
  }
});

test('a PATH that did not exist at REF reads as empty there: everything is added', async () => {
  const r = await runCli(['explain', 'decls', '--against', 'HEAD~2', '--format', 'json'], { cwd: repo });
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { against: { added: number; removed: number; moved: number; namespaces: number } };
  assert.equal([out.against.added, out.against.removed, out.against.moved, out.against.namespaces], [8, 0, 0, 3]);
});

test('usage errors: a REF that is neither, --fail-on-move alone, stdin', async () => {
  const r = await runCli(['explain', 'decls', '--against', 'no-such-ref'], { cwd: repo });
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, `--against "no-such-ref" is neither a directory (no such directory: ${join(repo, 'no-such-ref')}) nor a git revision (no commit "no-such-ref" in `);
  cpSync(join(CASE, 'input'), join(tmp, 'plain'), { recursive: true });
  const outside = await runCli(['explain', 'plain', '--against', 'HEAD'], { cwd: tmp });
  assert.is(outside.code, 2);
  assert.match(outside.stderr, 'is not in a git repository');
  const alone = await runCli(['explain', 'decls', '--fail-on-move'], { cwd: repo });
  assert.is(alone.code, 2);
  assert.match(alone.stderr, '--fail-on-move needs --against REF');
  const stdin = await runCli(['explain', '-', '--against', 'HEAD'], { cwd: repo, stdin: 'x: 1\n' });
  assert.is(stdin.code, 2);
  assert.match(stdin.stderr, 'cannot read stdin');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
