// The render's deadline (--timeout, MESHEXT_TIMEOUT, ExtensionGenerator spec.timeout, the Argo CD
// parameter `timeout`). A registry that sends one byte a second is a fault a real registry cannot
// be made to produce, so a small in-process HTTP server on loopback plays it ("fake server" in the
// test names). Timings are asserted only as a generous upper bound that proves the abort.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { runCli } from './_cli.ts';
import { artifact, sha256, wasm } from './_images.ts';
import { tempDir } from './_registry.ts';
import { parseDuration } from '../src/cli/_timeout.ts';
import { createDeadline } from '../src/resolve/deadline.ts';
import { nowMs } from '../src/model/clock.ts';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';

const img = artifact(wasm('deadline'), { rootIds: ['root'] });
const blobs = new Map(img.blobs.map((b) => [`sha256:${sha256(b)}`, b]));

/** Sends `bytes` one a second after the headers, as long as the client listens. */
function drip(res: ServerResponse, headers: Record<string, string | number>, bytes: Buffer): void {
  res.writeHead(200, { ...headers, 'content-length': bytes.length });
  res.flushHeaders();
  let i = 0;
  const t = setInterval(() => (i < bytes.length ? res.write(bytes.subarray(i, ++i)) : clearInterval(t)), 1000);
  res.on('close', () => clearInterval(t));
}

/**
 * One loopback registry with three repositories holding the same image: `ok` answers at once,
 * `slow-manifest` drips the manifest, `slow-blob` drips every blob. `/v2/rate/…` asks to come back in 10 s.
 */
async function fakeRegistry(): Promise<{ host: string; close(): void }> {
  const server: Server = createServer((req, res) => {
    const m = /^\/v2\/([a-z-]+)\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const [, repo, kind, reference] = m as unknown as [string, string, string, string];
    if (repo === 'rate') return void res.writeHead(429, { 'retry-after': '10' }).end();
    if (kind === 'manifests') {
      const headers = { 'content-type': img.mediaType, 'docker-content-digest': img.digest };
      if (req.method === 'HEAD') return void res.writeHead(200, { ...headers, 'content-length': img.manifest.length }).end();
      if (repo === 'slow-manifest') return drip(res, headers, img.manifest);
      return void res.writeHead(200, headers).end(img.manifest);
    }
    const blob = blobs.get(reference);
    if (!blob) return void res.writeHead(404).end();
    if (repo === 'slow-blob') return drip(res, {}, blob);
    res.writeHead(200, { 'content-length': blob.length }).end(blob);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

let reg: { host: string; close(): void };
test.before(async () => {
  reg = await fakeRegistry();
});
test.after(() => reg.close());

function repoWith(repos: readonly string[]): string {
  const dir = tempDir();
  const docs = repos.map((r) => `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ${r}, namespace: istio-system}\nspec: {image: "${reg.host}/${r}:t"}\n`);
  writeFileSync(join(dir, 'ext.yaml'), docs.join('---\n'));
  return dir;
}

const env = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({ PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: tempDir(), ...extra });

/** Runs the CLI and says how long it took, in seconds. */
async function timed(...args: Parameters<typeof runCli>): Promise<Awaited<ReturnType<typeof runCli>> & { secs: number }> {
  const t = performance.now();
  const r = await runCli(...args);
  return { ...r, secs: (performance.now() - t) / 1000 };
}

test('fake server dripping a byte a second: render --timeout 2s exits 3, names each pending reference and its step', async () => {
  const dir = repoWith(['ok', 'slow-blob', 'slow-manifest']);
  const r = await timed(['render', dir, '--timeout', '2s'], { env: env() });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.ok(r.secs < 30, `took ${r.secs} s`);
  const h = reg.host.replace(/\./g, '\\.');
  assert.match(
    r.stderr,
    new RegExp(`error: image ${h}/slow-manifest:t: still pending when the render's deadline passed \\(--timeout 2s\\): waiting for the manifest \\(GET http://${h}/v2/slow-manifest/manifests/${img.digest}\\), \\d+ of ${img.manifest.length} bytes after \\d+\\.\\d s`),
  );
  assert.match(r.stderr, new RegExp(`error: image ${h}/slow-blob:t: still pending when the render's deadline passed \\(--timeout 2s\\): waiting for blob sha256:[0-9a-f]{12}… \\(GET http://${h}/v2/slow-blob/blobs/sha256:[0-9a-f]{64}\\), \\d+ of \\d+ bytes after`));
  assert.not.match(r.stderr, /error: image [^ ]+\/ok:t/, r.stderr);
  assert.match(r.stderr, /2 errors; nothing was written/);
});

test('fake server: the same render with a deadline it meets prints what it prints without one', async () => {
  const dir = repoWith(['ok']);
  const plain = await runCli(['render', dir], { env: env() });
  const timedOut = await runCli(['render', dir, '--timeout', '1m'], { env: env() });
  assert.is(plain.code, 0, plain.stderr);
  assert.is(timedOut.code, 0, timedOut.stderr);
  assert.ok(plain.stdout.includes(`oci://${reg.host}/ok@`));
  assert.is(timedOut.stdout, plain.stdout);
});

test('fake server: MESHEXT_TIMEOUT sets the deadline; --timeout wins over it', async () => {
  const dir = repoWith(['slow-manifest']);
  const fromEnv = await timed(['render', dir], { env: env({ MESHEXT_TIMEOUT: '2' }) });
  assert.is(fromEnv.code, 3, fromEnv.stderr);
  assert.is(fromEnv.stdout, '');
  assert.ok(fromEnv.secs < 30, `took ${fromEnv.secs} s`);
  assert.match(fromEnv.stderr, /still pending when the render's deadline passed \(MESHEXT_TIMEOUT 2\): waiting for the manifest/);
  const flag = await runCli(['render', dir, '--timeout', '1500ms'], { env: env({ MESHEXT_TIMEOUT: '1h' }) });
  assert.is(flag.code, 3, flag.stderr);
  assert.match(flag.stderr, /deadline passed \(--timeout 1500ms\)/);
});

test('fake server: lock takes --timeout too', async () => {
  const dir = repoWith(['slow-blob']);
  const r = await timed(['lock', dir, '--timeout', '2s'], { env: env() });
  assert.is(r.code, 3, r.stderr);
  assert.ok(r.secs < 30, `took ${r.secs} s`);
  assert.match(r.stderr, /slow-blob:t: still pending when the render's deadline passed \(--timeout 2s\): waiting for blob/);
  assert.throws(() => readFileSync(join(dir, 'meshext.lock')));
});

test('fake server: the KRM function takes spec.timeout, which wins over MESHEXT_TIMEOUT', async () => {
  const dir = repoWith(['slow-manifest']);
  const list = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items: []
functionConfig:
  apiVersion: meshext.dev/v1alpha1
  kind: ExtensionGenerator
  metadata: {name: gen}
  spec: {paths: ["${dir}"], timeout: 2s}
`;
  const r = await timed([], { stdin: list, stdinIsTTY: false, cwd: dir, env: env({ MESHEXT_TIMEOUT: '1h' }) });
  assert.is(r.code, 3, r.stderr);
  assert.ok(r.secs < 30, `took ${r.secs} s`);
  assert.match(r.stdout, /^items: \[\]$/m);
  assert.match(r.stdout, /still pending when the render's deadline passed \(spec\.timeout 2s\): waiting for the manifest/);
});

test('fake server: the kustomize exec plugin takes spec.timeout (a number of seconds)', async () => {
  const dir = repoWith(['slow-blob']);
  const config = join(dir, 'generator.yaml');
  writeFileSync(config, `apiVersion: meshext.dev/v1alpha1\nkind: ExtensionGenerator\nmetadata: {name: gen}\nspec: {paths: [ext.yaml], timeout: 2}\n`);
  const r = await timed([config], { cwd: dir, env: env() });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.ok(r.secs < 30, `took ${r.secs} s`);
  assert.match(r.stderr, /deadline passed \(spec\.timeout 2\): waiting for blob/);
});

test('fake server: the Argo CD parameter timeout becomes --timeout', async () => {
  const dir = repoWith(['slow-manifest']);
  const r = await timed(['argocd', 'generate'], { cwd: dir, env: env({ ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'timeout', string: '2s' }]) }) });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.ok(r.secs < 30, `took ${r.secs} s`);
  assert.match(r.stderr, /meshext render --timeout 2s -- \./);
  assert.match(r.stderr, /deadline passed \(--timeout 2s\): waiting for the manifest/);
});

test('fake server: a credential helper still running at the deadline is killed', async () => {
  const dir = repoWith(['ok']);
  const bin = tempDir();
  const pidFile = join(bin, 'helper.pid');
  writeFileSync(join(bin, 'docker-credential-stall'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 120\n`);
  chmodSync(join(bin, 'docker-credential-stall'), 0o755);
  const config = tempDir();
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'stall' } }));
  const r = await timed(['render', dir, '--timeout', '2s'], { env: env({ PATH: `${bin}:${process.env.PATH}`, DOCKER_CONFIG: config }) });
  assert.is(r.code, 3, r.stderr);
  assert.ok(r.secs < 30, `took ${r.secs} s`);
  assert.match(r.stderr, /ok:t: still pending when the render's deadline passed \(--timeout 2s\)/);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let alive = true;
  for (let i = 0; i < 50 && alive; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    } catch {
      alive = false;
    }
  }
  assert.not.ok(alive, `credential helper ${pid} still runs`);
});

test('fake server: a Retry-After longer than the time left fails at once instead of waiting', async () => {
  const ref = (parseImageRef(`${reg.host}/rate:t`) as { ref: ImageRef }).ref;
  const deadline = createDeadline({ start: nowMs(), ms: 5000, source: '--timeout 5s' });
  const resolver = createLiveResolver({ cacheDir: tempDir(), env: {}, insecureRegistries: [], deadline });
  const t = performance.now();
  const got = (await resolver.resolveAll([ref])).get(ref.canonical) as { code: string; message: string };
  assert.ok(performance.now() - t < 4000, 'waited for the deadline');
  assert.is(got.code, 'RESOLVE_FAILED');
  assert.match(got.message, /429 Too Many Requests: rate limited; the registry asks to wait 10 s, but only \d\.\d s remain before the render's deadline \(--timeout 5s\)$/);
});

test('bad durations are usage errors, wherever they come from', async () => {
  const dir = repoWith(['ok']);
  for (const [args, extra, message] of [
    [['--timeout', 'soon'], {}, /meshext render: --timeout: "soon" is not a duration: write it as Go does \(60s, 1m30s, 500ms\) or as a number of seconds/],
    [['--timeout', '0'], {}, /--timeout: a deadline of 0 would stop every render that needs the network/],
    [['--timeout', 'off'], {}, /--timeout: "off" is not a duration/],
    [['--timeout=-5s'], {}, /--timeout: "-5s" is not a duration/],
    [[], { MESHEXT_TIMEOUT: '1d' }, /MESHEXT_TIMEOUT: "1d" is not a duration/],
  ] as const) {
    const r = await runCli(['render', dir, ...args], { env: env(extra) });
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, message);
  }
  const argo = await runCli(['argocd', 'generate'], { cwd: dir, env: env({ ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'timeout', string: '25h' }]) }) });
  assert.is(argo.code, 2, argo.stderr);
  assert.match(argo.stderr, /timeout: "25h" is more than 24h/);
  // validate and explain never touch the network: no --timeout, and MESHEXT_TIMEOUT is not theirs.
  assert.is((await runCli(['validate', dir, '--timeout', '2s'], { env: env() })).code, 2);
  assert.is((await runCli(['validate', dir], { env: env({ MESHEXT_TIMEOUT: 'junk' }) })).code, 0);
});

test('a bad spec.timeout fails the KRM function with a result at the field', async () => {
  const list = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items: []
functionConfig: {apiVersion: meshext.dev/v1alpha1, kind: ExtensionGenerator, metadata: {name: gen}, spec: {timeout: 0s}}
`;
  const r = await runCli([], { stdin: list, stdinIsTTY: false, cwd: tempDir(), env: env() });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stdout, /message: "spec\.timeout: a deadline of 0s would stop every render/);
});

test('durations: Go syntax or seconds', () => {
  const table: [string, number | RegExp][] = [
    ['60s', 60_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['90', 90_000],
    ['2.5', 2_500],
    [' 45s ', 45_000],
    ['1h0m0.5s', 3_600_500],
    ['', /is not a duration/],
    ['s', /is not a duration/],
    ['1d', /is not a duration/],
    ['0s', /a deadline of 0s/],
    ['0', /a deadline of 0 /],
    ['100ns', /less than a millisecond/],
    ['24h1s', /more than 24h/],
  ];
  for (const [text, want] of table) {
    const got = parseDuration(text);
    if (typeof want === 'number') assert.is(got, want, text);
    else assert.match((got as { error: string }).error, want, text);
  }
});

test.run();
