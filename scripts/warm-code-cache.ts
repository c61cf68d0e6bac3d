// Makes dist/meshext.app.cache, dist/meshext.undici.js.cache and dist/_generated/*.cache (run by scripts/build.mjs in a Node
// process of its own, with no flags): loads the app script without a cache, renders a generated repository (the benchmark's
// mix: native declarations of every scope, Maistra and Tetrate kinds, a lock; offline, output
// discarded), then asks V8 for the code cache of everything that render compiled. What it did not
// run compiles on first use as usual; a bigger warm-up would cost every start more, since V8 reads
// the whole cache. The render's output is not checked: the tests do that.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { APP_CACHE, APP_SCRIPT, loadApp } from '../src/cli/load-app.ts';
import { runCachedScript, writeCodeCache } from '../src/model/code-cache.ts';
import { UNDICI_SCRIPT, runUndiciScript } from '../src/resolve/load-undici.ts';
import type { Io } from '../src/cli/io.ts';
import { generateRepo } from './bench/generate.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
const { cli, script, source } = loadApp(join(dist, APP_SCRIPT));
const sink = (): void => {};
const io = (argv: string[], stdoutBytes?: (b: Uint8Array) => void): Io => ({
  argv,
  env: {},
  cwd: process.cwd(),
  stdin: async () => Buffer.alloc(0),
  stdinIsTTY: true,
  stderrIsTTY: false,
  stdout: sink,
  stdoutBytes,
  stderr: sink,
  self: { node: process.execPath, script: join(dist, 'meshext.cjs') },
});

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'meshext-warm-'));
  try {
    const generated = join(tmp, 'repo');
    (generateRepo as (dir: string, size: { extensions: number; namespaces: number }) => void)(generated, { extensions: 20, namespaces: 5 });
    // As the bin writes (bytes), and as tests and adapters capture (text).
    for (const bytes of [sink, undefined]) {
      const code = await cli(io(['render', generated, '--offline'], bytes));
      if (code !== 0) throw new Error(`the warm-up render exited ${code}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeCodeCache(join(dist, APP_CACHE), source, script.createCachedData());
  // The HTTP client: loaded and its dispatchers made, as a render's first request does (no request is sent).
  const undici = runUndiciScript(join(dist, UNDICI_SCRIPT));
  await Promise.all([new undici.undici.Agent({ connect: {} }).close(), new undici.undici.ProxyAgent({ uri: 'http://127.0.0.1:9', requestTls: {} }).close()]);
  writeCodeCache(join(dist, `${UNDICI_SCRIPT}.cache`), undici.cached.source, undici.cached.script.createCachedData());
  // Each validator script, compiled by one call so its cache holds the validator's bytecode.
  const generated = join(dist, '_generated');
  for (const file of readdirSync(generated).filter((f) => f.endsWith('.js'))) {
    const validator = runCachedScript(join(generated, file));
    (validator.value as { validate: (v: unknown) => boolean }).validate({});
    writeCodeCache(join(generated, `${file}.cache`), validator.source, validator.script.createCachedData());
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`warm-code-cache: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
