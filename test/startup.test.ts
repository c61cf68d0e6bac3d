// Design §6.16, start-up is part of every render: the built bin runs its app script from the code
// cache the build made (a cache V8 refuses would only be slower, so nothing else would notice),
// and a render sets up none of Node's stdio streams (whose set-up loads Node's stream, net and tty
// code). Runs the built dist/, as CI's `npm test` builds it first.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const BIN = join(DIST, 'meshext.cjs');
const dir = mkdtempSync(join(tmpdir(), 'meshext-startup-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('V8 takes the code cache the build made for the app script', () => {
  const probe = `
    const { Script, constants } = require('node:vm');
    const { readFileSync } = require('node:fs');
    const file = ${JSON.stringify(join(DIST, 'meshext.app.js'))};
    const s = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData: readFileSync(${JSON.stringify(join(DIST, 'meshext.app.cache'))}), importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    process.stdout.write(String(s.cachedDataRejected));`;
  // As the bin starts: a Node without flags (V8 ties a cache to its flags).
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'false', 'the code cache was refused');
});

test('a render loads none of the stream, net and tty code that process.stdout/stdin/stderr would', () => {
  const list = join(dir, 'modules.json');
  // A preload (not a V8 flag, so the cache still applies) that records what Node loaded, by fs, not by a stream.
  const preload = join(dir, 'record.cjs');
  const write = `require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(process.moduleLoadList))`;
  writeFileSync(preload, `process.on('exit', () => ${write});\n`);
  const r = spawnSync(process.execPath, ['-r', preload, BIN, 'render', join(ROOT, 'examples', 'native'), '--offline'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes('kind: WasmPlugin'));
  const loaded: string[] = JSON.parse(readFileSync(list, 'utf8'));
  for (const m of ['NativeModule net', 'NativeModule tty', 'NativeModule stream', 'NativeModule internal/streams/readable']) {
    assert.not.ok(loaded.includes(m), `${m} was loaded`);
  }
  // The check can fail: a command that does use a stream shows these modules in the same list.
  const help = spawnSync(process.execPath, ['-r', preload, BIN, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  assert.is(help.status, 0, help.stderr);
  assert.ok((JSON.parse(readFileSync(list, 'utf8')) as string[]).includes('NativeModule net'), 'printing help through process.stdout did not show in the list');
});

test.run();
