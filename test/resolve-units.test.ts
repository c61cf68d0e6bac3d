// The resolve stage's pure parts and hostile-input bounds: WWW-Authenticate parsing, the
// redactor, docker config lookup, tar layers (escapes, bombs, junk), Istio's http unwrapping,
// the content cache, manifest structure checks and platform choice.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createContentCache } from '../src/resolve/cache.ts';
import { parseChallenges } from '../src/resolve/challenge.ts';
import { findCredential } from '../src/resolve/docker-config.ts';
import { unboxIfPossible } from '../src/resolve/http-module.ts';
import { parseManifest, selectPlatform } from '../src/resolve/manifest.ts';
import { createRedactor } from '../src/resolve/redact.ts';
import { redactUrl } from '../src/resolve/registry-error.ts';
import { goBase, readTarLayer } from '../src/resolve/tar-layer.ts';
import { digestOf, tar, wasm } from './_images.ts';
import { tempDir } from './_registry.ts';

const tmp = (): string => tempDir();

test('challenge: a Bearer challenge with quoted params', () => {
  assert.equal(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
  ]);
});

test('challenge: unquoted values, escapes, missing params, spaces around =', () => {
  assert.equal(parseChallenges('Bearer realm=https://gcr.io/v2/token,service=gcr.io'), [{ scheme: 'bearer', params: { realm: 'https://gcr.io/v2/token', service: 'gcr.io' } }]);
  assert.equal(parseChallenges('Basic realm="a \\"quoted\\" realm"'), [{ scheme: 'basic', params: { realm: 'a "quoted" realm' } }]);
  assert.equal(parseChallenges('Bearer realm = "https://x/token"'), [{ scheme: 'bearer', params: { realm: 'https://x/token' } }]);
  assert.equal(parseChallenges('Bearer'), [{ scheme: 'bearer', params: {} }]);
});

test('challenge: several challenges in one header (Node joins repeated headers with ", ")', () => {
  assert.equal(parseChallenges('Basic realm="r1", Bearer realm="https://t/token",service="s", Negotiate abc=='), [
    { scheme: 'basic', params: { realm: 'r1' } },
    { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } },
    { scheme: 'negotiate', params: {}, token68: 'abc==' },
  ]);
});

test('challenge: garbage does not hang or throw', () => {
  for (const h of ['', ',,,', '"', '=', 'Bearer "x"', 'a=b=c', `Bearer ${'realm="'.repeat(1000)}`]) assert.ok(Array.isArray(parseChallenges(h)));
});

test('redact: a registered secret and its encodings disappear; Authorization values always do', () => {
  const r = createRedactor();
  r.add('s3cr"t/pw');
  const text = `pw s3cr"t/pw b64 ${Buffer.from('s3cr"t/pw').toString('base64')} url s3cr%22t%2Fpw json {"p":"s3cr\\"t/pw"} Authorization: Bearer eyJabc.def Basic dXNlcjpw https://u:p@host/x`;
  const out = r.redact(text);
  assert.not.ok(out.includes('s3cr'), out);
  assert.not.ok(out.includes('eyJabc'), out);
  assert.not.ok(out.includes('dXNlcjpw'), out);
  assert.not.ok(out.includes('u:p@'), out);
});

test('redact: a secret too short to hide in free text is hidden where it can appear, and nowhere else', () => {
  const r = createRedactor();
  r.add('1');
  r.add('ab12');
  assert.is(r.redact('registry 127.0.0.1:5001 answered 401 after 12 s'), 'registry 127.0.0.1:5001 answered 401 after 12 s');
  assert.is(r.redact('http://u:1@proxy:3128 and Basic dTox'), 'http://***@proxy:3128 and Basic ***');
  assert.is(r.redact('{"password":"ab12"}'), '{"password":"***"}');
});

test('redact: URLs lose userinfo and query values but keep scope and service', () => {
  assert.is(redactUrl('https://u:p@s3.example/blob?X-Amz-Signature=abc&scope=repository:a:pull'), 'https://s3.example/blob?X-Amz-Signature=REDACTED&scope=repository%3Aa%3Apull');
});

test('docker-config: auths by host, exact key first, auth split at the first colon', async () => {
  const dir = tmp();
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { 'https://reg.example:5000/v1/': { auth: Buffer.from('a:b:c').toString('base64') }, 'other.example': { username: 'u', password: 'p' } } }),
  );
  const secrets: string[] = [];
  const opts = { env: { DOCKER_CONFIG: dir }, addSecret: (s: string) => void secrets.push(s) };
  assert.equal(await findCredential('reg.example:5000', opts), { kind: 'basic', username: 'a', password: 'b:c' });
  assert.equal(await findCredential('other.example', opts), { kind: 'basic', username: 'u', password: 'p' });
  assert.is(await findCredential('nobody.example', opts), undefined);
  assert.ok(secrets.includes('b:c'));
});

test('docker-config: Docker Hub keys, identitytoken, registrytoken, REGISTRY_AUTH_FILE fallback', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'https://index.docker.io/v1/': { identitytoken: 'rt-1' }, 'reg.example': { registrytoken: 'bearer-1' } } }));
  const authFile = join(dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auths: { 'podman.example': { auth: Buffer.from('pu:pp').toString('base64') } } }));
  const opts = { env: { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: authFile }, addSecret: () => {} };
  assert.equal(await findCredential('docker.io', opts), { kind: 'identity-token', token: 'rt-1' });
  assert.equal(await findCredential('reg.example', opts), { kind: 'registry-token', token: 'bearer-1' });
  assert.equal(await findCredential('podman.example', opts), { kind: 'basic', username: 'pu', password: 'pp' });
});

test('docker-config: HOME/.docker when DOCKER_CONFIG is unset; broken JSON is an error that quotes nothing', async () => {
  const home = tmp();
  mkdirSync(join(home, '.docker'));
  writeFileSync(join(home, '.docker', 'config.json'), '{"auths": {"h": {"auth": "c2VjcmV0LXZhbHVl"');
  const got = await findCredential('h', { env: { HOME: home }, addSecret: () => {} });
  assert.equal(got, { code: 'RESOLVE_FAILED', message: `credentials file ${join(home, '.docker', 'config.json')} is not valid JSON` });
});

test('docker-config: credHelpers wins over auths; a helper that knows nothing means anonymous', async () => {
  const dir = tmp();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'docker-credential-unit'), '#!/bin/sh\nread server\ncase "$server" in\n  known.example) echo \'{"ServerURL":"known.example","Username":"hu","Secret":"hs"}\' ;;\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n');
  chmodSync(join(bin, 'docker-credential-unit'), 0o755);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'known.example': 'unit', 'unknown.example': 'unit' }, auths: { 'known.example': { username: 'x', password: 'y' } } }));
  const opts = { env: { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` }, addSecret: () => {} };
  assert.equal(await findCredential('known.example', opts), { kind: 'basic', username: 'hu', password: 'hs' });
  assert.is(await findCredential('unknown.example', opts), undefined);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { 'known.example': 'missing' } }));
  assert.equal(await findCredential('known.example', opts), { code: 'RESOLVE_FAILED', message: 'credential helper docker-credential-missing is not on PATH' });
});

test('tar layer: entries as data, ./ and / prefixes normalized, names kept for Istio', async () => {
  const files = await readTarLayer(gzipSync(tar([{ name: './', type: 'dir' }, { name: './a/plugin.wasm', data: 'x' }, { name: 'l', type: 'symlink', linkname: '/etc/passwd' }])), true, 1 << 20);
  assert.ok(Array.isArray(files));
  assert.equal(
    (files as { path: string; rawName: string; type: string }[]).map((f) => [f.path, f.rawName, f.type]),
    [
      ['', './', 'directory'],
      ['a/plugin.wasm', './a/plugin.wasm', 'file'],
      ['l', 'l', 'symlink'],
    ],
  );
});

test('tar layer: a name escaping the root makes the layer an error', async () => {
  assert.is(await readTarLayer(gzipSync(tar([{ name: 'a/../../plugin.wasm', data: 'x' }])), true, 1 << 20), 'entry "a/../../plugin.wasm" escapes the root');
});

test('tar layer: a gzip bomb stops at the output cap; junk and truncation are errors', async () => {
  assert.is(await readTarLayer(gzipSync(Buffer.alloc(50 << 20)), true, 1 << 20), `it expands to more than ${1 << 20} bytes`);
  assert.match(String(await readTarLayer(Buffer.from('not gzip'), true, 1 << 20)), /^it is not valid gzip/);
  const t = tar([{ name: 'plugin.wasm', data: 'x'.repeat(2000) }]);
  assert.match(String(await readTarLayer(gzipSync(t.subarray(0, 1024)), true, 1 << 20)), /^it is not a valid tar archive/);
});

test('goBase: Go filepath.Base on tar names', () => {
  assert.equal(['plugin.wasm', './plugin.wasm', 'a/b/plugin.wasm', 'plugin.wasm/', '/', '', 'a//'].map(goBase), ['plugin.wasm', 'plugin.wasm', 'plugin.wasm', 'plugin.wasm', '/', '.', 'a']);
});

test('unboxIfPossible: gzip, tar and gzip(tar) unwrap to the module; anything else is returned as is', async () => {
  const m = wasm('http');
  const inTar = tar([{ name: 'filter.wasm', data: m }]);
  for (const wrapped of [m, gzipSync(m), inTar, gzipSync(inTar), gzipSync(gzipSync(inTar))]) assert.ok(Buffer.from(await unboxIfPossible(wrapped, 1 << 20)).equals(m));
  const junk = Buffer.from('<html>not found</html>');
  assert.ok(Buffer.from(await unboxIfPossible(junk, 1 << 20)).equals(junk));
  const bomb = gzipSync(Buffer.alloc(10 << 20));
  assert.ok(Buffer.from(await unboxIfPossible(bomb, 1 << 20)).equals(bomb), 'stops at the cap');
});

test('cache: digest-named files, a corrupt entry is discarded, bad digests are never paths', async () => {
  const dir = tmp();
  const lines: string[] = [];
  const cache = createContentCache(dir, (l) => void lines.push(l));
  const bytes = Buffer.from('hello');
  const d = digestOf(bytes);
  await cache.put('blobs', d, bytes);
  assert.ok((await cache.get('blobs', d))?.equals(bytes));
  writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), 'tampered');
  assert.is(await cache.get('blobs', d), undefined);
  assert.equal(readdirSync(join(dir, 'blobs', 'sha256')), []);
  assert.match(lines.join('\n'), /corrupt/);
  await cache.put('blobs', 'sha256:../../etc', bytes);
  await cache.put('manifests', d, Buffer.from('other bytes'));
  assert.equal(readdirSync(dir).sort(), ['blobs']);
});

test('manifest: structure checks and mediaType/Content-Type agreement', () => {
  const d = `sha256:${'a'.repeat(64)}`;
  const m = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'x', digest: d, size: 1 }, layers: [] };
  assert.is((parseManifest(Buffer.from(JSON.stringify(m))) as { kind: string }).kind, 'image');
  assert.is(parseManifest(Buffer.from(JSON.stringify(m)), 'application/vnd.docker.distribution.manifest.v2+json'), 'has mediaType application/vnd.oci.image.manifest.v1+json but was served as application/vnd.docker.distribution.manifest.v2+json');
  assert.is(parseManifest(Buffer.from(JSON.stringify({ ...m, schemaVersion: 1 }))), 'has schemaVersion 1; only schema 2 manifests are supported');
  assert.is(parseManifest(Buffer.from(JSON.stringify({ ...m, layers: [{ mediaType: 'x', digest: 'nope', size: 1 }] }))), 'layers: [0]: has no valid digest');
  assert.is(parseManifest(Buffer.from('{')), 'is not valid JSON');
});

test('platform: first linux/amd64, attestations skipped, no platform counts as linux/amd64', () => {
  const d = (c: string): string => `sha256:${c.repeat(64)}`;
  const pick = (manifests: object[]): unknown => selectPlatform({ kind: 'index', mediaType: 'application/vnd.oci.image.index.v1+json', manifests: manifests as never });
  const entry = (c: string, platform?: object, annotations?: object): object => ({ mediaType: 'm', digest: d(c), size: 1, ...(platform ? { platform } : {}), ...(annotations ? { annotations } : {}) });
  assert.is((pick([entry('a', { architecture: 'arm64', os: 'linux' }), entry('b', { architecture: 'amd64', os: 'linux', variant: 'v2' })]) as { digest: string }).digest, d('b'));
  assert.is((pick([entry('a', undefined, { 'vnd.docker.reference.type': 'attestation-manifest' }), entry('c')]) as { digest: string }).digest, d('c'));
  assert.equal(pick([entry('a', { architecture: 'wasm', os: 'wasi' })]), {
    code: 'IMAGE_NOT_LOADABLE',
    message: 'the index has no linux/amd64 entry, the platform Istio pulls (it has: wasi/wasm); add a linux/amd64 entry or push a single-platform image',
  });
});

test.run();
