// examples/live resolves live against the registry its one-line command starts
// (scripts/example-registry.ts), and renders as reviewed in test/fixtures/examples/live.yaml.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './_cli.ts';
import { freePort, tempDir } from './_registry.ts';

const ROOT = join(import.meta.dirname, '..');

test('examples/live renders live against scripts/example-registry.ts', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'example-registry.ts')], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const host = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`example registry exited ${code}`)));
    });
    assert.is(host, `127.0.0.1:${port}`);
    const dir = tempDir();
    writeFileSync(join(dir, 'extensions.yaml'), readFileSync(join(ROOT, 'examples', 'live', 'extensions.yaml'), 'utf8').replaceAll('127.0.0.1:5055', host));
    const r = await runCli(['render', dir], { env: { PATH: process.env.PATH, XDG_CACHE_HOME: tempDir() } });
    assert.is(r.code, 0, r.stderr);
    const golden = join(import.meta.dirname, 'fixtures', 'examples', 'live.yaml');
    const output = r.stdout.replaceAll(host, '127.0.0.1:5055');
    if (process.env.UPDATE === '1') writeFileSync(golden, output);
    assert.fixture(output, readFileSync(golden, 'utf8'));
  } finally {
    child.kill('SIGTERM');
  }
});

test.run();
