// Start-up is part of every render (docs/decisions.md, decision 16): the built bin runs its app script from the code
// cache the build made (a cache V8 refuses would only be slower, so nothing else would notice),
// and a render sets up none of Node's stdio streams (whose set-up loads Node's stream, net and tty
// code). Runs the built dist/, as CI's `npm test` builds it first.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCodeCache } from '../src/model/code-cache.ts';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const BIN = join(DIST, 'meshext.cjs');
const dir = mkdtempSync(join(tmpdir(), 'meshext-startup-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
/** Another release of this Node line: it may share this V8, which would then take this Node's cache. */
const OTHER_RELEASE = process.version.endsWith('.0.0') ? process.version.replace(/\.0\.0$/, '.0.1') : process.version.replace(/\.\d+\.\d+$/, '.0.0');

test('V8 takes the code cache the build made for the app script, stamped for this Node and this script', () => {
  const probe = `
    const { Script, constants } = require('node:vm');
    const { readFileSync } = require('node:fs');
    const file = ${JSON.stringify(join(DIST, 'meshext.app.js'))};
    const source = readFileSync(file, 'utf8');
    const bytes = readFileSync(${JSON.stringify(join(DIST, 'meshext.app.cache'))});
    const nl = bytes.indexOf(10);
    const stamp = bytes.toString('latin1', 0, nl).trimEnd();
    const s = new Script(source, { filename: file, cachedData: bytes.subarray(nl + 1), importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    process.stdout.write(JSON.stringify({ stamp, rejected: s.cachedDataRejected, length: source.length, tag: source.slice(0, source.indexOf('\\n')) }));`;
  // As the bin starts: a Node without flags (V8 ties a cache to its flags).
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { stamp: string; rejected: boolean; length: number; tag: string };
  assert.is(got.rejected, false, 'the code cache was refused');
  assert.match(got.tag, /^\/\/meshext-build [0-9a-f]{32}$/);
  assert.is(got.stamp, `meshext-code-cache ${process.version} ${process.platform}-${process.arch} v8-${process.versions.v8} ${got.length} ${got.tag}`);
});

test('a cache stamped for another Node or another build is not used, and the CLI still works', () => {
  const bytes = readFileSync(join(DIST, 'meshext.app.cache'));
  const stamp = bytes.toString('latin1', 0, bytes.indexOf(10));
  for (const [what, other] of [
    ['another release of this Node line', stamp.replace(process.version, OTHER_RELEASE)],
    ['another build of the script', stamp.replace(/meshext-build [0-9a-f]{4}/, 'meshext-build 0000')],
  ] as const) {
    assert.is.not(other, stamp, what);
    const source = readFileSync(join(DIST, 'meshext.app.js'), 'utf8');
    const file = join(dir, 'app.cache');
    writeFileSync(file, Buffer.concat([Buffer.from(`${other}\n`, 'latin1'), bytes.subarray(bytes.indexOf(10) + 1)]));
    assert.is(readCodeCache(file, source), undefined, what);
    writeFileSync(file, bytes);
    assert.ok(readCodeCache(file, source)?.equals(bytes.subarray(bytes.indexOf(10) + 1)), 'the right stamp is taken');
  }
  // A copy of dist/ with a cache made by "another Node": it runs, compiling as it goes.
  const copy = join(dir, 'dist');
  cpSync(DIST, copy, { recursive: true });
  writeFileSync(join(copy, 'meshext.app.cache'), Buffer.concat([Buffer.from(`${stamp.replace(process.version, OTHER_RELEASE)}\n`, 'latin1'), Buffer.alloc(4096, 0xa5)]));
  const r = spawnSync(process.execPath, [join(copy, 'meshext.cjs'), 'render', join(ROOT, 'examples', 'native'), '--offline'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, spawnSync(process.execPath, [BIN, 'render', join(ROOT, 'examples', 'native'), '--offline'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } }).stdout);
});

test('a render loads none of the stream, net and tty code that process.stdout/stdin/stderr would, nor perf_hooks', () => {
  const list = join(dir, 'modules.json');
  // A preload (not a V8 flag, so the cache still applies) that records what Node loaded, by fs, not by a stream.
  const preload = join(dir, 'record.cjs');
  const write = `require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList))`;
  writeFileSync(preload, `process.on('exit', () => ${write});\n`);
  const r = spawnSync(process.execPath, ['-r', preload, BIN, 'render', join(ROOT, 'examples', 'native'), '--offline'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes('kind: WasmPlugin'));
  const loaded: string[] = JSON.parse(readFileSync(list, 'utf8'));
  for (const m of ['NativeModule net', 'NativeModule tty', 'NativeModule stream', 'NativeModule internal/streams/readable', 'NativeModule perf_hooks']) {
    assert.not.ok(loaded.includes(m), `${m} was loaded`);
  }
  // The check can fail: a command that does use a stream shows these modules in the same list.
  const help = spawnSync(process.execPath, ['-r', preload, BIN, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  assert.is(help.status, 0, help.stderr);
  assert.ok((JSON.parse(readFileSync(list, 'utf8')) as string[]).includes('NativeModule net'), 'printing help through process.stdout did not show in the list');
});

test.run();
