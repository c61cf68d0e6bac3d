// Credentials against real registries: htpasswd Basic auth and token auth (anonymous tokens for
// public pulls, Basic-for-token and OAuth refresh tokens for private ones), found through a
// temporary DOCKER_CONFIG, REGISTRY_AUTH_FILE, and a credential helper on a temporary PATH. No
// secret may appear in any message or log line, whether resolution succeeds or fails.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { pushFixtures } from './_images.ts';
import type { Fixture } from './_images.ts';
import { PASSWORD, REFRESH_TOKEN, startRegistry, USER, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

let basic: TestRegistry;
let token: TestRegistry;
let bfx: Record<string, Fixture>;
let tfx: Record<string, Fixture>;
const logs: string[] = [];
const messages: string[] = [];

test.before(async () => {
  [basic, token] = await Promise.all([startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' })]);
  [bfx, tfx] = await Promise.all([pushFixtures(basic), pushFixtures(token)]);
});
test.after(async () => {
  await Promise.all([basic.stop(), token.stop()]);
});

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
const tmp = (): string => tempDir();
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Resolves one reference with the given environment, recording every message and log line. */
async function resolve(image: string, env: Record<string, string>): Promise<{ digest?: string; code?: string; message?: string }> {
  const r = ref(image);
  const got = (await createLiveResolver({ cacheDir: tmp(), env, insecureRegistries: [], retry: { attempts: 2, baseDelayMs: 10 }, log: (l) => void logs.push(l) }).resolveAll([r])).get(
    r.canonical,
  ) as { digest?: string; code?: string; message?: string };
  if (got.message) messages.push(got.message);
  return got;
}

function dockerConfig(config: object): string {
  const dir = tmp();
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

test('basic auth: without credentials the registry error says what to do', async () => {
  const image = `${basic.host}/istio/compat:latest`;
  assert.equal(await resolve(image, { DOCKER_CONFIG: tmp() }), {
    code: 'RESOLVE_FAILED',
    message: `image ${image}: HEAD http://${basic.host}/v2/istio/compat/manifests/latest: 401 Unauthorized: no credentials found for this registry (docker login, DOCKER_CONFIG or REGISTRY_AUTH_FILE)`,
  });
});

test('basic auth: auths.auth from a temporary DOCKER_CONFIG', async () => {
  const dir = dockerConfig({ auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
  const got = await resolve(`${basic.host}/istio/compat:latest`, { DOCKER_CONFIG: dir });
  assert.is(got.digest, bfx.compatOci!.digest);
});

test('basic auth: username/password from REGISTRY_AUTH_FILE when the docker config has nothing', async () => {
  const file = join(tmp(), 'auth.json');
  writeFileSync(file, JSON.stringify({ auths: { [`http://${basic.host}`]: { username: USER, password: PASSWORD } } }));
  const got = await resolve(`${basic.host}/multi/plugin:latest`, { DOCKER_CONFIG: tmp(), REGISTRY_AUTH_FILE: file });
  assert.is(got.digest, bfx.index!.platformDigest);
});

test('basic auth: a wrong password fails without showing it', async () => {
  const dir = dockerConfig({ auths: { [basic.host]: { auth: b64(`${USER}:wrong-Pass-9f3`) } } });
  const image = `${basic.host}/istio/compat:latest`;
  assert.equal(await resolve(image, { DOCKER_CONFIG: dir }), {
    code: 'RESOLVE_FAILED',
    message: `image ${image}: HEAD http://${basic.host}/v2/istio/compat/manifests/latest: 401 Unauthorized: the registry rejected the credentials`,
  });
});

test('basic auth: credentials from a credential helper (docker-credential-test on a temporary PATH)', async () => {
  const dir = tmp();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const asked = join(dir, 'asked');
  writeFileSync(join(bin, 'docker-credential-test'), `#!/bin/sh\n[ "$1" = get ] || exit 2\nread server\nprintf '%s' "$server" > '${asked}'\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"\n`);
  chmodSync(join(bin, 'docker-credential-test'), 0o755);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [basic.host]: 'test' }, auths: { [basic.host]: { auth: b64(`${USER}:not-this-one`) } } }));
  const got = await resolve(`${basic.host}/istio/oci-artifact:latest`, { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` });
  assert.is(got.digest, bfx.artifact!.digest);
  assert.is(readFileSync(asked, 'utf8'), basic.host);
});

test('token auth: a public pull with an anonymous token', async () => {
  const before = token.tokenRequests.length;
  const got = await resolve(`${token.host}/istio/compat:latest`, { DOCKER_CONFIG: tmp() });
  assert.is(got.digest, tfx.compatOci!.digest);
  const asked = token.tokenRequests.slice(before);
  assert.ok(asked.length >= 1);
  assert.ok(asked.every((r) => !r.authorization && r.method === 'GET' && r.scopes.includes('repository:istio/compat:pull')));
});

test('token auth: a private repository refuses an anonymous token', async () => {
  const image = `${token.host}/private/compat:latest`;
  assert.equal(await resolve(image, { DOCKER_CONFIG: tmp() }), {
    code: 'RESOLVE_FAILED',
    message: `image ${image}: HEAD http://${token.host}/v2/private/compat/manifests/latest: 401 Unauthorized: no credentials found for this registry (docker login, DOCKER_CONFIG or REGISTRY_AUTH_FILE)`,
  });
});

test('token auth: a private repository with credentials from DOCKER_CONFIG (Basic to the token server)', async () => {
  const before = token.tokenRequests.length;
  const got = await resolve(`${token.host}/private/compat:latest`, { DOCKER_CONFIG: dockerConfig({ auths: { [token.host]: { auth: b64(`${USER}:${PASSWORD}`) } } }) });
  assert.is(got.digest, tfx.private!.digest);
  assert.ok(token.tokenRequests.slice(before).every((r) => r.user === USER && r.method === 'GET'));
});

test('token auth: an identitytoken is exchanged by OAuth POST', async () => {
  const before = token.tokenRequests.length;
  const got = await resolve(`${token.host}/private/compat:latest`, { DOCKER_CONFIG: dockerConfig({ auths: { [token.host]: { identitytoken: REFRESH_TOKEN } } }) });
  assert.is(got.digest, tfx.private!.digest);
  const asked = token.tokenRequests.slice(before);
  assert.ok(asked.length >= 1 && asked.every((r) => r.method === 'POST' && r.user === USER));
});

test('token auth: credsStore helper, and a token server that refuses the credentials', async () => {
  const dir = tmp();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'docker-credential-store'), `#!/bin/sh\nread server\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"wrong-Store-77"}' "$server"\n`);
  chmodSync(join(bin, 'docker-credential-store'), 0o755);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'store' }));
  const image = `${token.host}/private/compat:latest`;
  assert.equal(await resolve(image, { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` }), {
    code: 'RESOLVE_FAILED',
    message: `image ${image}: the token server of ${token.host} refused the credentials (HTTP 401) for repository:private/compat:pull`,
  });
  assert.not.ok(messages.join('\n').includes('wrong-Store-77'));
});

test('no secret in any message or log line', () => {
  const secrets = [PASSWORD, b64(`${USER}:${PASSWORD}`), 'wrong-Pass-9f3', b64(`${USER}:wrong-Pass-9f3`), 'wrong-Store-77', REFRESH_TOKEN, ...token.issuedTokens];
  assert.ok(token.issuedTokens.length > 0 && messages.length >= 4);
  for (const text of [...messages, ...logs]) for (const s of secrets) assert.not.ok(text.includes(s), `a secret leaked into: ${text}`);
});

test.run();
