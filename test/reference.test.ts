import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseImageRef, pinnedUrl, registryHost } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';

const vectors = JSON.parse(readFileSync(new URL('./fixtures/image-reference-vectors.json', import.meta.url), 'utf8')) as {
  valid: string[];
  invalid: string[];
};

const sha = 'a'.repeat(64);

function ok(input: string): ImageRef {
  const r = parseImageRef(input);
  if ('error' in r) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${r.error}`);
  return r.ref;
}

function bad(input: string): string {
  const r = parseImageRef(input);
  if ('ref' in r) throw new Error(`expected ${JSON.stringify(input)} to be rejected, got ${r.ref.canonical}`);
  return r.error;
}

for (const name of vectors.valid) {
  test(`docker vector valid: ${name}`, () => {
    for (const input of [name, `oci://${name}`]) {
      const ref = ok(input);
      if (ref.scheme !== 'oci') throw new Error(`${input} parsed as ${ref.scheme}`);
      assert.ok(ref.tag !== undefined && ref.digest === undefined);
      assert.is(ref.canonical, `${ref.registry}/${ref.repository}:${ref.tag}`);
      assert.equal(ok(ref.canonical), ref, 'canonical form is a fixed point');
    }
  });
}

for (const name of vectors.invalid) {
  test(`docker vector invalid: ${name}`, () => {
    bad(`oci://${name}`);
    // As given, "https://github.com/…" is a valid http module URL, but never an OCI name.
    const r = parseImageRef(name);
    assert.ok('error' in r || r.ref.scheme !== 'oci');
  });
}

const normalised: [input: string, expected: ImageRef][] = [
  ['debian', { scheme: 'oci', registry: 'docker.io', repository: 'library/debian', tag: 'latest', canonical: 'docker.io/library/debian:latest' }],
  ['index.docker.io/debian:12', { scheme: 'oci', registry: 'docker.io', repository: 'library/debian', tag: '12', canonical: 'docker.io/library/debian:12' }],
  ['index.docker.io/org/x', { scheme: 'oci', registry: 'docker.io', repository: 'org/x', tag: 'latest', canonical: 'docker.io/org/x:latest' }],
  ['org/x:v1', { scheme: 'oci', registry: 'docker.io', repository: 'org/x', tag: 'v1', canonical: 'docker.io/org/x:v1' }],
  ['localhost/x', { scheme: 'oci', registry: 'localhost', repository: 'x', tag: 'latest', canonical: 'localhost/x:latest' }],
  ['localhost:5000/x', { scheme: 'oci', registry: 'localhost:5000', repository: 'x', tag: 'latest', canonical: 'localhost:5000/x:latest' }],
  ['[::1]:5000/x', { scheme: 'oci', registry: '[::1]:5000', repository: 'x', tag: 'latest', canonical: '[::1]:5000/x:latest' }],
  ['Quay.io/org/x', { scheme: 'oci', registry: 'Quay.io', repository: 'org/x', tag: 'latest', canonical: 'Quay.io/org/x:latest' }],
  [`quay.io/org/x@sha256:${sha}`, { scheme: 'oci', registry: 'quay.io', repository: 'org/x', digest: `sha256:${sha}`, canonical: `quay.io/org/x@sha256:${sha}` }],
  [
    `quay.io/org/x:1.2@sha256:${sha}`,
    { scheme: 'oci', registry: 'quay.io', repository: 'org/x', tag: '1.2', digest: `sha256:${sha}`, canonical: `quay.io/org/x:1.2@sha256:${sha}` },
  ],
  [
    `oci://ghcr.io/org/team/x:v1@sha512:${'b'.repeat(128)}`,
    { scheme: 'oci', registry: 'ghcr.io', repository: 'org/team/x', tag: 'v1', digest: `sha512:${'b'.repeat(128)}`, canonical: `ghcr.io/org/team/x:v1@sha512:${'b'.repeat(128)}` },
  ],
  ['oci://debian', { scheme: 'oci', registry: 'docker.io', repository: 'library/debian', tag: 'latest', canonical: 'docker.io/library/debian:latest' }],
  ['OCI://localhost:5000/x:T_1', { scheme: 'oci', registry: 'localhost:5000', repository: 'x', tag: 'T_1', canonical: 'localhost:5000/x:T_1' }],
  ['https://example.com/f/x.wasm', { scheme: 'https', url: 'https://example.com/f/x.wasm', canonical: 'https://example.com/f/x.wasm' }],
  ['http://127.0.0.1:8080/x.wasm?v=1', { scheme: 'http', url: 'http://127.0.0.1:8080/x.wasm?v=1', canonical: 'http://127.0.0.1:8080/x.wasm?v=1' }],
  ['file:///var/lib/wasm/x.wasm', { scheme: 'file', path: '/var/lib/wasm/x.wasm', canonical: 'file:///var/lib/wasm/x.wasm' }],
  ['file:///opt/my%20ext.wasm', { scheme: 'file', path: '/opt/my ext.wasm', canonical: 'file:///opt/my%20ext.wasm' }],
];

for (const [input, expected] of normalised) {
  test(`normalises ${input}`, () => assert.equal(ok(input), expected));
}

const rejected: [input: string, message: RegExp][] = [
  ['docker/Docker', /^invalid image reference "docker\/Docker": repository name must be lowercase$/],
  ['quay.io/Org/x', /repository name must be lowercase/],
  ['', /it is empty/],
  ['oci://', /it is empty/],
  [sha, /image ID/],
  ['ftp://example.com/x.wasm', /scheme "ftp" is not supported; use an OCI reference \(optionally with oci:\/\/\), http:\/\/, https:\/\/ or file:\/\/\//],
  ['s3://bucket/x.wasm', /scheme "s3" is not supported/],
  ['oci://https://example.com/x', /registry "https:" is not a valid host/],
  ['https://', /not a valid URL/],
  ['http:///x.wasm', /no host/],
  ['https://example.com/x y.wasm', /whitespace/],
  ['file://relative/x.wasm', /empty host and an absolute path/],
  ['file:///', /directory/],
  ['file:///x.wasm#frag', /query or fragment/],
  ['quay.io/org/x@sha256:abc', /sha256 needs exactly 64 lowercase hex characters/],
  [`quay.io/org/x@sha256:${'A'.repeat(64)}`, /sha256 needs exactly 64 lowercase hex characters/],
  [`quay.io/org/x@sha256:${sha}0`, /sha256 needs exactly 64/],
  [`quay.io/org/x@md5:${'c'.repeat(32)}`, /algorithm "md5" is not supported/],
  ['quay.io/org/x@latest', /not of the form algorithm:hex/],
  [`quay.io/org/x@sha256:${sha}@sha256:${sha}`, /sha256 needs exactly 64/],
  ['quay.io/org/x:', /tag "" is invalid/],
  ['quay.io/org/x:.hidden', /tag ".hidden" is invalid/],
  [`quay.io/org/x:${'t'.repeat(129)}`, /is invalid: use 1 to 128/],
  ['quay.io/org/x:a:b', /repository path component "x:a" is invalid: ":" may only start the tag/],
  ['[fc00::1]:5000', /port of a registry followed by "\/"/],
  ['quay.io//x', /empty component/],
  ['a_b.c/x', /registry "a_b.c" is not a valid host/],
  [`r.io/${'a/'.repeat(124)}abc`, /longer than 255 characters/],
];

for (const [input, message] of rejected) {
  test(`rejects ${JSON.stringify(input).slice(0, 80)}`, () => assert.match(bad(input), message));
}

test('name of exactly 255 characters is accepted', () => {
  assert.is(ok(`r.io/${'a/'.repeat(123)}abcd`).scheme, 'oci');
});

test('never throws, even on junk', () => {
  for (const input of ['\0', '@', ':', '/', '@@', 'oci://oci://x', 'https://[::1', 'file:///a%2Fb', 'x'.repeat(100_000), 42 as unknown as string]) {
    assert.ok('error' in parseImageRef(input) || 'ref' in parseImageRef(input));
  }
});

test('registryHost maps only docker.io', () => {
  assert.is(registryHost('docker.io'), 'registry-1.docker.io');
  assert.is(registryHost('quay.io'), 'quay.io');
  assert.is(registryHost('localhost:5000'), 'localhost:5000');
});

test('pinnedUrl', () => {
  assert.is(pinnedUrl({ registry: 'docker.io', repository: 'library/debian' }, `sha256:${sha}`), `oci://docker.io/library/debian@sha256:${sha}`);
  const ref = ok('quay.io/org/x:1.2');
  if (ref.scheme === 'oci') assert.is(pinnedUrl(ref, `sha256:${sha}`), `oci://quay.io/org/x@sha256:${sha}`);
});

test.run();
