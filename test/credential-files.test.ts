// Which credential files are searched, in which order, and which `auths` key answers for a
// registry and repository: tables over temporary files, no registry. The pulls themselves are in
// credential-sources.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createKeychain, credentialFiles } from '../src/resolve/docker-config.ts';
import { tempDir } from './_registry.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('credentialFiles: variables first, then the defaults of containers-auth.json(5)', () => {
  const cases: Record<string, { env: Record<string, string>; files: string[] }> = {
    'HOME only': { env: { HOME: '/h' }, files: ['/h/.config/containers/auth.json', '/h/.docker/config.json', '/h/.dockercfg'] },
    everything: {
      env: { HOME: '/h', REGISTRY_AUTH_FILE: '/a.json', DOCKER_CONFIG: '/d', XDG_RUNTIME_DIR: '/run/user/1', XDG_CONFIG_HOME: '/cfg' },
      files: ['/a.json', '/d/config.json', '/run/user/1/containers/auth.json', '/cfg/containers/auth.json', '/h/.dockercfg'],
    },
    'empty values count as unset': { env: { HOME: '/h', REGISTRY_AUTH_FILE: '', DOCKER_CONFIG: '', XDG_RUNTIME_DIR: '', XDG_CONFIG_HOME: '' }, files: ['/h/.config/containers/auth.json', '/h/.docker/config.json', '/h/.dockercfg'] },
    'a file named twice is read once': { env: { HOME: '/h', REGISTRY_AUTH_FILE: '/h/.docker/config.json' }, files: ['/h/.docker/config.json', '/h/.config/containers/auth.json', '/h/.dockercfg'] },
    'no HOME': { env: { DOCKER_CONFIG: '/d' }, files: ['/d/config.json'] },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(credentialFiles(c.env).map((f) => f.path), c.files, name);
  assert.equal(credentialFiles({ HOME: '/h' }).map((f) => f.legacy), [false, false, true]);
});

/** Looks each [registry, repository] up in one config.json holding `auths`; the password says which key answered. */
async function lookups(auths: Record<string, unknown>, queries: readonly [string, string][], legacy = false): Promise<(string | undefined)[]> {
  const home = tempDir();
  const path = legacy ? join(home, '.dockercfg') : join(home, '.docker', 'config.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(legacy ? auths : { auths }));
  const keychain = createKeychain({ env: { HOME: home }, addSecret: () => {} });
  const out: (string | undefined)[] = [];
  for (const [registry, repository] of queries) {
    const got = (await keychain.find(registry, repository)) as { password?: string; token?: string; message?: string } | undefined;
    out.push(got?.password ?? got?.token ?? got?.message);
  }
  return out;
}

const basic = (password: string): { auth: string } => ({ auth: b64(`u:${password}`) });

test('auths keys: repository keys most specific first; URL and /v2/ keys name a host; other paths only themselves', async () => {
  const auths = {
    'reg.example/team': basic('namespace'),
    'reg.example/team/app': basic('repository'),
    'reg.example': basic('host'),
    'https://url.example:5000': basic('url'),
    'api.example:5000/v2/': basic('api-path'),
    'ns.example/only': basic('ns-only'),
    'http://schemed.example/some/path': basic('schemed-path'),
  };
  assert.equal(
    await lookups(auths, [
      ['reg.example', 'team/app'],
      ['reg.example', 'team/app2'],
      ['reg.example', 'other/app'],
      ['url.example:5000', 'x'],
      ['api.example:5000', 'x'],
      ['ns.example', 'only/app'],
      ['ns.example', 'elsewhere/app'],
      ['schemed.example', 'x'],
      ['nobody.example', 'x'],
    ]),
    ['repository', 'namespace', 'host', 'url', 'api-path', 'ns-only', undefined, 'schemed-path', undefined],
  );
});

test('auths keys: Docker Hub under any of its names, an exact key before one that matches once normalized', async () => {
  assert.equal(await lookups({ 'https://index.docker.io/v1/': basic('v1-key') }, [['docker.io', 'library/nginx']]), ['v1-key']);
  assert.equal(await lookups({ 'docker.io/library': basic('library'), 'https://index.docker.io/v1/': basic('v1-key') }, [['docker.io', 'library/nginx'], ['docker.io', 'me/app']]), ['library', 'v1-key']);
  assert.equal(await lookups({ 'https://registry-1.docker.io/v2/': basic('normalized'), 'reg.example': basic('exact'), 'https://reg.example/': basic('loose') }, [['docker.io', 'x/y'], ['reg.example', 'x']]), ['normalized', 'exact']);
});

test('auths entries: identitytoken, registrytoken, NUL-padded auth, empty entries skipped, broken auth an error', async () => {
  const auths = {
    'id.example': { auth: b64('u:'), identitytoken: 'refresh-1' },
    'bearer.example': { registrytoken: 'bearer-1' },
    'padded.example': { auth: b64('u:pw\0\0') },
    'reg.example/team': {},
    'reg.example': basic('host'),
    'broken.example': { auth: b64('no-colon') },
  };
  assert.equal(
    await lookups(auths, [
      ['id.example', 'x'],
      ['bearer.example', 'x'],
      ['padded.example', 'x'],
      ['reg.example', 'team/x'],
    ]),
    ['refresh-1', 'bearer-1', 'pw', 'host'],
  );
  const [broken] = await lookups(auths, [['broken.example', 'x']]);
  assert.match(broken!, /the "auth" value for broken\.example is not base64 of user:password$/);
});

test('~/.dockercfg: the legacy map, keyed by URL, no repository keys', async () => {
  assert.equal(
    await lookups({ 'https://old.example:5000/v1/': { ...basic('legacy'), email: 'e@x' }, 'old.example/ns': basic('not-a-namespace') }, [['old.example:5000', 'x'], ['old.example', 'ns/x']], true),
    ['legacy', 'not-a-namespace'],
  );
});

// A FIFO nobody writes to, /dev/zero, a huge sparse file: named by a variable, each is refused at
// once by fstat or its size, never read to the end. The CLI (the built bin, in a child process, so
// that "the process exits" is what is tested) fails with exit code 3, as for any image whose
// resolution fails (the credentials are part of it; 1 is for invalid input), well within the bound.
const BIN = fileURLToPath(new URL('../dist/meshext.cjs', import.meta.url));

function runBin(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; secs: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, HOME: tempDir(), XDG_CACHE_HOME: tempDir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, secs: (performance.now() - t) / 1000 });
    }),
  );
}

test('special files as credentials: a FIFO, /dev/zero, a huge sparse file are refused at once; the CLI exits', async () => {
  const repo = tempDir();
  // Nothing listens on port 9: credentials are looked up before the first request.
  writeFileSync(join(repo, 'ext.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: x, namespace: istio-system}\nspec: {image: "127.0.0.1:9/x:t"}\n');
  const fifo = join(tempDir(), 'auth.json');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const fifoConfig = tempDir();
  assert.is(spawnSync('mkfifo', [join(fifoConfig, 'config.json')]).status, 0);
  const zeroConfig = tempDir();
  symlinkSync('/dev/zero', join(zeroConfig, 'config.json'));
  const sparse = join(tempDir(), 'huge.json');
  writeFileSync(sparse, '');
  truncateSync(sparse, 8 * 1024 ** 3);
  const cases: [Record<string, string>, RegExp][] = [
    [{ REGISTRY_AUTH_FILE: fifo }, /credentials file \S+ \(from REGISTRY_AUTH_FILE\) is a FIFO \(named pipe\), not a regular file/],
    [{ DOCKER_CONFIG: fifoConfig }, /credentials file \S+config\.json \(from DOCKER_CONFIG\) is a FIFO \(named pipe\), not a regular file/],
    [{ REGISTRY_AUTH_FILE: '/dev/zero' }, /credentials file \/dev\/zero \(from REGISTRY_AUTH_FILE\) is a character device, not a regular file/],
    [{ DOCKER_CONFIG: zeroConfig }, /credentials file \S+config\.json \(from DOCKER_CONFIG\) is a character device, not a regular file/],
    [{ REGISTRY_AUTH_FILE: sparse }, /credentials file \S+huge\.json \(from REGISTRY_AUTH_FILE\) is larger than 1048576 bytes/],
  ];
  for (const [env, message] of cases) {
    const r = await runBin(['render', repo, '--timeout', '2s'], env);
    const name = JSON.stringify(env);
    assert.is(r.code, 3, `${name}: ${r.stderr}`);
    assert.ok(r.secs < 20, `${name}: took ${r.secs} s`);
    assert.is(r.stdout, '', name);
    assert.match(r.stderr, message, name);
  }
});

test('a credentials file is read to at most its limit, and not past an aborted signal', async () => {
  const big = join(tempDir(), 'auth.json');
  writeFileSync(big, JSON.stringify({ auths: { 'reg.example': { auth: b64('u:pw') } }, pad: 'x'.repeat(1024 * 1024) }));
  const tooBig = (await createKeychain({ env: { REGISTRY_AUTH_FILE: big }, addSecret: () => {} }).find('reg.example')) as { message?: string };
  assert.match(tooBig.message!, `credentials file ${big} (from REGISTRY_AUTH_FILE) is larger than 1048576 bytes`);
  const small = join(tempDir(), 'auth.json');
  writeFileSync(small, JSON.stringify({ auths: { 'reg.example': { auth: b64('u:pw') } } }));
  const ac = new AbortController();
  ac.abort(new Error("the render's deadline (--timeout 2s) passed"));
  const stopped = (await createKeychain({ env: { REGISTRY_AUTH_FILE: small }, addSecret: () => {}, signal: ac.signal }).find('reg.example')) as { message?: string };
  assert.match(stopped.message!, `reading credentials file ${small} (from REGISTRY_AUTH_FILE) stopped: the render's deadline (--timeout 2s) passed`);
  const ok = (await createKeychain({ env: { REGISTRY_AUTH_FILE: small }, addSecret: () => {} }).find('reg.example')) as { password?: string };
  assert.is(ok.password, 'pw');
});

test('the CLI ends after the deadline report though work it gave up on still holds the process open', async () => {
  // A credential helper whose background child keeps its stdout open: killing the helper at the
  // deadline leaves a pipe nothing will close for 60 s.
  const bin = tempDir();
  writeFileSync(join(bin, 'docker-credential-hang'), '#!/bin/sh\nsleep 60 &\nsleep 60\n', { mode: 0o755 });
  const config = tempDir();
  writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { '127.0.0.1:9': 'hang' } }));
  const repo = tempDir();
  writeFileSync(join(repo, 'ext.yaml'), 'apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: x, namespace: istio-system}\nspec: {image: "127.0.0.1:9/x:t"}\n');
  const r = await runBin(['render', repo, '--timeout', '2s'], { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}` });
  assert.is(r.code, 3, r.stderr);
  assert.ok(r.secs < 20, `took ${r.secs} s`);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /deadline passed \(--timeout 2s\)/);
});

test.run();
