// Makes dist/meshext.app.cache, dist/meshext.undici.js.cache, dist/meshext.sigstore.js.cache and dist/_generated/*.cache (run by scripts/build.mjs in a Node
// process of its own, with no flags): loads the app script without a cache, renders a generated repository (the benchmark's
// mix: native declarations of every scope, Maistra and Tetrate kinds, a lock; offline, output
// discarded), then asks V8 for the code cache of everything that render compiled. What it did not
// run compiles on first use as usual; a bigger warm-up would cost every start more, since V8 reads
// the whole cache. The render's output is not checked: the tests do that.
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { APP_CACHE, APP_SCRIPT, loadApp } from '../src/cli/load-app.ts';
import { runCachedScript, writeCodeCache } from '../src/model/code-cache.ts';
import { UNDICI_SCRIPT, runUndiciScript } from '../src/resolve/load-undici.ts';
import { SIGSTORE_SCRIPT, runSigstoreScript } from '../src/resolve/trust/load-verifier.ts';
import type { TrustVerifier } from '../src/resolve/trust/load-verifier.ts';
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
  // The signature verifier: loaded and used as a render that verifies uses it.
  const sigstore = runSigstoreScript(join(dist, SIGSTORE_SCRIPT));
  warmVerifier(sigstore.verifier, join(dist, '..', 'test', 'fixtures', 'sigstore', 'sigstore-js-2.1.0-bundle.json'));
  writeCodeCache(join(dist, `${SIGSTORE_SCRIPT}.cache`), sigstore.cached.source, sigstore.cached.script.createCachedData());
  // Each validator script, compiled by one call so its cache holds the validator's bytecode.
  const generated = join(dist, '_generated');
  for (const file of readdirSync(generated).filter((f) => f.endsWith('.js'))) {
    const validator = runCachedScript(join(generated, file));
    (validator.value as { validate: (v: unknown) => boolean }).validate({});
    writeCodeCache(join(generated, `${file}.cache`), validator.source, validator.script.createCachedData());
  }
}

/**
 * The public-good root loaded, a cosign classic signature made here with a new key converted and
 * verified, and (in a checkout, where the test fixture is) a real keyless bundle verified: the
 * paths a render that verifies runs. What is verified is not checked here: the tests do that.
 */
function warmVerifier(v: TrustVerifier, keylessBundle: string): void {
  const site = { file: 'warm-up', line: 1, col: 1, field: 'spec.trust' };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const loaded = v.loadMaterial({ keys: [{ site, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }] });
  if ('errors' in loaded) throw new Error(`the warm-up's trust material: ${loaded.errors.map((e) => e.message).join('; ')}`);
  const digest = `sha256:${'0'.repeat(64)}`;
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'warm.up/x' }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
  const layer = { kind: 'classic' as const, at: '.sig tag' as const, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', payload, annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, privateKey).toString('base64') } };
  const policy = { name: 'warm-up', images: ['**'], keys: [{ pem: '', at: site }], keyless: [{ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/**', at: site }], attestations: [], requireTransparencyLog: false, at: site };
  v.verifyImage({ ref: 'warm.up/x', digest, own: [layer] }, policy, loaded);
  if (existsSync(keylessBundle)) v.verifyImage({ ref: 'warm.up/x', digest, own: [{ kind: 'bundle', at: 'referrers', json: JSON.parse(readFileSync(keylessBundle, 'utf8')) as unknown }] }, policy, loaded);
}

main().catch((e: unknown) => {
  process.stderr.write(`warm-code-cache: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
