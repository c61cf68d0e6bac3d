// Hostile registries that a real registry cannot be made to be, served by small in-process HTTP
// servers ("fake server" in every test name): indexes that point at themselves or at each other,
// token endpoints that answer with garbage, endless redirect chains. Each render runs the built
// CLI as a child process in a sandbox and must end in exit 3 with an empty stdout, an error
// naming the image, a bounded number of requests, and nothing written outside the cache.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { digestOf, fsImage, OCI_INDEX, wasm } from './_images.ts';
import type { BuiltImage } from './_images.ts';
import { changedOutside, declare, ensureBuilt, loud, meshext, sandbox, snapshot } from './fixtures/hostile/_harness.ts';
import type { Run } from './fixtures/hostile/_harness.ts';

test.before(loud(ensureBuilt));

interface Fake {
  readonly host: string;
  readonly seen: string[];
  close(): void;
}

/** A server whose every answer comes from `handle`; it records `METHOD path` of each request. */
async function fake(handle: (req: IncomingMessage, res: ServerResponse, host: string) => void): Promise<Fake> {
  const seen: string[] = [];
  let host = '';
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    handle(req, res, host);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    seen,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Renders every image in one sandbox and checks what every hostile render must satisfy. */
async function renderHostile(images: readonly string[]): Promise<Run> {
  const sb = sandbox();
  declare(sb.work, images);
  const before = snapshot(sb.root);
  const r = await meshext(['render', '.'], { env: sb.env(), cwd: sb.work });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  for (const image of images) assert.ok(r.stderr.includes(`error: image ${image}: `), `the error names ${image}: ${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.equal(changedOutside(before, snapshot(sb.root), sb.cache), []);
  assert.ok(r.maxRssMiB < 256, `peak RSS ${r.maxRssMiB} MiB`);
  return r;
}

const indexOf = (childDigest: string): BuiltImage => {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_INDEX, digest: childDigest, size: 300, platform: { architecture: 'amd64', os: 'linux' } }] }));
  return { manifest, mediaType: OCI_INDEX, digest: digestOf(manifest), blobs: [] };
};

/** Serves `byRef` manifests (tag or digest → image); anything else is 404. */
function manifests(byRef: (ref: string) => BuiltImage | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const ref = /^\/v2\/r\/manifests\/(.+)$/.exec(req.url ?? '')?.[1];
    const img = ref === undefined ? undefined : byRef(decodeURIComponent(ref));
    if (img === undefined) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
    res.writeHead(200, { 'content-type': img.mediaType, 'docker-content-digest': img.digest, 'content-length': img.manifest.length });
    res.end(req.method === 'HEAD' ? undefined : img.manifest);
  };
}

test('fake server: an index that points at itself, and a cycle of two indexes, end in a digest mismatch', async () => {
  // The child digest is a promise the registry cannot keep: whatever it serves for it, the bytes must hash to it.
  const childDigest = digestOf(Buffer.from('the index itself'));
  const self = indexOf(childDigest);
  const selfServer = await fake(manifests(() => self));
  const b = indexOf(digestOf(Buffer.from('back to a')));
  const a = indexOf(b.digest);
  const cycleServer = await fake(manifests((ref) => (ref === b.digest ? b : a)));
  try {
    const refs = [`${selfServer.host}/r:t`, `${cycleServer.host}/r:t`];
    const r = await renderHostile(refs);
    assert.ok(r.stderr.includes(`error: image ${refs[0]}: the registry sent manifest bytes whose digest is ${self.digest}, not the requested ${childDigest}`), r.stderr);
    assert.ok(r.stderr.includes(`error: image ${refs[1]}: the registry sent manifest bytes whose digest is ${a.digest}, not the requested ${digestOf(Buffer.from('back to a'))}`), r.stderr);
    assert.ok(selfServer.seen.filter((s) => s.startsWith('GET ')).length <= 2, selfServer.seen.join('\n'));
    assert.ok(cycleServer.seen.filter((s) => s.startsWith('GET ')).length <= 3, cycleServer.seen.join('\n'));
  } finally {
    selfServer.close();
    cycleServer.close();
  }
});

test('fake server: token endpoints that answer with garbage', async () => {
  const img = fsImage([[{ name: 'plugin.wasm', data: wasm('token-garbage') }]]);
  const answers: Record<string, (res: ServerResponse) => void> = {
    'not-json': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in to continue</body></html>'),
    'no-token': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}'),
    'token-not-a-string': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":{"value":"x"},"access_token":42}'),
    'json-null': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('null'),
    'two-megabytes': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"token":"${'t'.repeat(2 << 20)}"}`),
    'token-with-newlines': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"abc\\r\\nX-Injected: yes"}'),
  };
  const servers: Record<string, Fake> = {};
  for (const [name, answer] of Object.entries(answers)) {
    servers[name] = await fake((req, res, host) => {
      if (req.url?.startsWith('/token')) return answer(res);
      if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="fake"` }).end();
      manifests(() => img)(req, res);
    });
  }
  try {
    const refOf = (name: string): string => `${servers[name]!.host}/r:t`;
    const r = await renderHostile(Object.keys(answers).map(refOf));
    const expect: Record<string, string> = {
      'not-json': `the token server of ${servers['not-json']!.host} answered with something that is not JSON`,
      'no-token': `the token server of ${servers['no-token']!.host} returned no token`,
      'token-not-a-string': `the token server of ${servers['token-not-a-string']!.host} returned no token`,
      'json-null': `the token server of ${servers['json-null']!.host} returned no token`,
      'two-megabytes': `GET http://${servers['two-megabytes']!.host}/token?service=fake&scope=repository%3Ar%3Apull: 200 OK: response is larger than the limit of 1048576 bytes`,
      'token-with-newlines': `the token server of ${servers['token-with-newlines']!.host} returned a token that cannot be sent in an HTTP header`,
    };
    for (const [name, message] of Object.entries(expect)) assert.ok(r.stderr.includes(`error: image ${refOf(name)}: ${message}`), `${name}: ${r.stderr}`);
    assert.not.ok(r.stderr.includes('X-Injected'));
    for (const [name, s] of Object.entries(servers)) {
      assert.ok(s.seen.filter((x) => x.startsWith('GET /token')).length <= 1, `${name}: ${s.seen.join(', ')}`);
      assert.equal(s.seen.filter((x) => x.includes('/manifests/') && !x.startsWith('HEAD')), [], `${name}: no manifest fetched without a token`);
    }
  } finally {
    for (const s of Object.values(servers)) s.close();
  }
});

test('fake server: an endless redirect chain, a ping-pong between two hosts, and a redirect to file://', async () => {
  let hops = 0;
  const chain = await fake((req, res) => {
    res.writeHead(307, { location: `/hop/${++hops}?from=${encodeURIComponent(req.url ?? '')}` }).end();
  });
  let other: Fake | undefined;
  const ping = await fake((req, res) => void res.writeHead(302, { location: `http://${other!.host}${req.url}` }).end());
  other = await fake((req, res) => void res.writeHead(302, { location: `http://${ping.host}${req.url}` }).end());
  const toFile = await fake((_req, res) => void res.writeHead(301, { location: 'file:///etc/passwd' }).end());
  try {
    const refs = [`${chain.host}/r:t`, `${ping.host}/r:t`, `${toFile.host}/r:t`];
    const r = await renderHostile(refs);
    assert.ok(r.stderr.includes(`error: image ${refs[0]}: HEAD http://${chain.host}/v2/r/manifests/t: more than 10 redirects`), r.stderr);
    assert.ok(r.stderr.includes(`error: image ${refs[1]}: HEAD http://${ping.host}/v2/r/manifests/t: more than 10 redirects`), r.stderr);
    assert.ok(r.stderr.includes(`error: image ${refs[2]}: HEAD http://${toFile.host}/v2/r/manifests/t: 301: refusing redirect to file:///etc/passwd`), r.stderr);
    // One attempt of 1 + 10 hops over plain HTTP, after one TLS probe; a redirect chain is not retried.
    assert.ok(chain.seen.length <= 12, `${chain.seen.length} requests`);
    assert.ok(ping.seen.length + other.seen.length <= 12, `${ping.seen.length + other.seen.length} requests`);
  } finally {
    for (const s of [chain, ping, other, toFile]) s.close();
  }
});

test.run();
