// meshext installs as a CLI does: `npm pack` makes a tarball of the bin and the files it runs
// (package.json `files`), which `npm install -g` installs with no network and no dependency, and
// whose `meshext` renders from any directory exactly as the checkout's build does.
// Packs the built dist/ (`npm test` builds first) with --ignore-scripts: `prepack` would rebuild it.
// npm runs on this Node 24 in a clean environment with its cache, config and prefix in a temporary
// directory; the installed bin finds only that prefix, this Node and /usr/bin:/bin on its PATH.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { validatorFiles } from '../src/schema/_generated/validators.js';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

const tmp = mkdtempSync(join(tmpdir(), 'meshext-npm-pack-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const dir = (name: string) => {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
};

// This Node (24) alone in a directory of its own: the installed bin's `#!/usr/bin/env node` finds it first.
const nodeBin = dir('node-bin');
symlinkSync(process.execPath, join(nodeBin, 'node'));
const prefix = join(tmp, 'prefix');
const home = dir('home');
const elsewhere = dir('elsewhere');
const userEnv = { PATH: `${join(prefix, 'bin')}:${nodeBin}:/usr/bin:/bin`, HOME: home, XDG_CACHE_HOME: join(tmp, 'xdg-cache') };

/** npm's CLI script: the npm running the tests, or the one on the PATH. */
function npmCli(): string {
  const exec = process.env.npm_execpath;
  if (exec !== undefined && /\.[cm]?js$/.test(exec) && existsSync(exec)) return exec;
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  assert.is(which.status, 0, 'npm is not on the PATH');
  return realpathSync(which.stdout.trim());
}
const NPM = npmCli();

function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout as Buffer, stderr: String(r.stderr) };
}

/** npm on this Node, with a clean environment: no npm_config_* of the npm running the tests, config and cache in `tmp`. */
function npm(args: readonly string[], cwd: string, cache: string) {
  return run(process.execPath, [NPM, ...args, '--cache', cache, '--userconfig', join(home, '.npmrc'), '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd,
    env: { PATH: `${nodeBin}:/usr/bin:/bin`, HOME: home },
  });
}

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

let tarball = '';

test('npm pack: the bin, its app script, code caches, validator, undici and sigstore scripts, plugin.yaml and README, nothing else', () => {
  assert.ok(existsSync(join(DIST, 'meshext.cjs')), 'no dist/: run `npm run build` first (`npm test` does)');
  assert.is(pkg.scripts.prepack, 'npm run build', 'npm pack must build dist/ first');
  const packDir = dir('pack');
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], ROOT, join(tmp, 'npm-cache-pack'));
  assert.is(r.status, 0, r.stderr);
  const [info] = JSON.parse(String(r.stdout)) as { filename: string }[];
  tarball = join(packDir, info!.filename);
  assert.is(info!.filename, `meshext-${pkg.version}.tgz`);

  const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  assert.is(list.status, 0, list.stderr);
  const files = list.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, '')).sort();
  const validators = Object.values(validatorFiles).flatMap((f) => [`dist/_generated/${f}`, `dist/_generated/${f}.cache`]);
  const expected = [
    'README.md',
    'package.json',
    'plugin.yaml',
    ...(existsSync(join(ROOT, 'LICENSE')) ? ['LICENSE'] : []),
    'dist/meshext.cjs',
    'dist/meshext.app.js',
    'dist/meshext.app.cache',
    'dist/meshext.undici.js',
    'dist/meshext.undici.js.cache',
    'dist/meshext.sigstore.js',
    'dist/meshext.sigstore.js.cache',
    ...validators,
  ].sort();
  assert.equal(files, expected);

  // The installed package needs no package of its own: everything it runs is bundled.
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
  assert.equal(manifest.dependencies ?? {}, {}, 'the bundle needs no dependency at run time: keep the bundled packages in devDependencies');
  assert.is(manifest.optionalDependencies, undefined);
  assert.is(manifest.peerDependencies, undefined);
  assert.equal(manifest.bin, { meshext: 'dist/meshext.cjs' });
  assert.equal(manifest.engines, { node: '>=24' });
});

test('npm install -g of the tarball: offline, into a temporary prefix, nothing but the packed files', () => {
  assert.ok(tarball !== '', 'npm pack failed');
  // --offline, and a registry nobody listens on in case npm asked one anyway; an empty cache.
  const r = npm(['install', '-g', '--prefix', prefix, '--offline', '--registry', 'http://127.0.0.1:9/', tarball], elsewhere, join(tmp, 'npm-cache-install'));
  assert.is(r.status, 0, r.stderr);
  const installed = join(prefix, 'lib', 'node_modules', 'meshext');
  assert.is(realpathSync(join(prefix, 'bin', 'meshext')), realpathSync(join(installed, 'dist', 'meshext.cjs')));
  assert.not.ok(existsSync(join(installed, 'node_modules')), 'npm installed dependencies');
  // Byte for byte the checkout's build: the code caches are this Node's, so the installed bin takes them.
  for (const file of walk(join(installed, 'dist'))) {
    const rel = relative(installed, file);
    assert.ok(readFileSync(file).equals(readFileSync(join(ROOT, rel))), `${rel} differs from the checkout's`);
  }
});

test('the installed meshext renders examples/native --offline from another directory as the checkout does', () => {
  const bin = join(prefix, 'bin', 'meshext');
  assert.ok(existsSync(bin), 'npm install -g failed');
  const installed = (args: readonly string[]) => run(bin, args, { cwd: elsewhere, env: userEnv });
  const checkout = (args: readonly string[]) => run(process.execPath, [join(DIST, 'meshext.cjs'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(tmp, 'xdg-cache-checkout') } });

  const version = installed(['--version']);
  assert.is(version.status, 0, version.stderr);
  assert.is(String(version.stdout), `${pkg.version}\n`);

  const help = installed(['--help']);
  assert.is(help.status, 0, help.stderr);
  assert.ok(help.stdout.equals(checkout(['--help']).stdout), '--help differs from the checkout');
  assert.match(String(help.stdout), /render\s+print the Istio resources/);

  const repo = join(dir('repo'), 'native');
  cpSync(join(ROOT, 'examples', 'native'), repo, { recursive: true });
  const got = installed(['render', repo, '--offline']);
  assert.is(got.status, 0, got.stderr);
  const want = checkout(['render', 'examples/native', '--offline']);
  assert.is(want.status, 0, want.stderr);
  assert.ok(want.stdout.length > 0);
  assert.ok(got.stdout.equals(want.stdout), `the installed render differs from the checkout's:\n${String(got.stdout)}`);
  assert.is(got.stderr, want.stderr);
});

test.run();
