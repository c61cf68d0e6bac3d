// Faults a real registry cannot be made to produce, served by a small in-process HTTP server
// ("fake server" in every test name): redirects to another host, 429 with Retry-After, 5xx,
// truncated bodies, bytes that do not match their digest, a server slower than the timeout, a
// token realm that points where credentials must not go. Each ends in a clear error or in
// success after a bounded retry.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import type { LiveResolverOptions } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { artifact, sha256, wasm } from './_images.ts';
import { tempDir } from './_registry.ts';
import type { BuiltImage } from './_images.ts';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
}
/** Returns true when it answered the request itself. */
type Hook = (req: IncomingMessage, res: ServerResponse, n: number) => boolean;

interface Fake {
  readonly host: string;
  readonly seen: Seen[];
  count(method: string, pathPart: string): number;
  close(): void;
}

/** A registry holding one image under repo `r`, tag `t`; `hook` sees each request first. */
async function fakeRegistry(img: BuiltImage, hook: Hook = () => false, address = '127.0.0.1'): Promise<Fake> {
  const seen: Seen[] = [];
  const blobs = new Map(img.blobs.map((b) => [`sha256:${sha256(b)}`, b]));
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ method: req.method ?? 'GET', path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (hook(req, res, seen.filter((s) => s.method === req.method && s.path === path).length)) return;
    const m = /^\/v2\/r\/(manifests|blobs)\/(.+)$/.exec(path);
    if (m?.[1] === 'manifests' && (m[2] === 't' || m[2] === img.digest)) {
      res.writeHead(200, { 'content-type': img.mediaType, 'docker-content-digest': img.digest, 'content-length': img.manifest.length });
      return void res.end(req.method === 'HEAD' ? undefined : img.manifest);
    }
    const blob = m?.[1] === 'blobs' ? blobs.get(m[2]!) : undefined;
    if (blob) return void res.writeHead(200, { 'content-length': blob.length }).end(blob);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND","message":"not here"}]}');
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const host = `${address}:${(server.address() as { port: number }).port}`;
  return {
    host,
    seen,
    count: (method, part) => seen.filter((s) => s.method === method && s.path.includes(part)).length,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

const img = artifact(wasm('faults'), { rootIds: ['root'] });
const layerDigest = `sha256:${sha256(wasm('faults'))}`;
const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
const logs: string[] = [];
async function resolve(image: string, extra: Partial<LiveResolverOptions> = {}): Promise<{ code?: string; message?: string; digest?: string }> {
  const r = ref(image);
  const resolver = createLiveResolver({
    cacheDir: tempDir(),
    env: {},
    insecureRegistries: [],
    timeoutMs: 2000,
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2000 },
    log: (l) => void logs.push(l),
    ...extra,
  });
  return (await resolver.resolveAll([r])).get(r.canonical) as { code?: string; message?: string; digest?: string };
}

test('fake server: a blob redirect to another host is followed without Authorization', async () => {
  const creds = `Basic ${Buffer.from('u:redirect-Pw-1').toString('base64')}`;
  const storage = await fakeRegistry(img, (req, res) => {
    const digest = /^\/storage\/(.+)$/.exec(req.url ?? '')?.[1];
    const blob = img.blobs.find((b) => `sha256:${sha256(b)}` === digest);
    res.writeHead(blob ? 200 : 404).end(blob);
    return true;
  }, '127.0.0.2');
  const registry = await fakeRegistry(img, (req, res) => {
    if (req.headers.authorization !== creds) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end(), true;
    const blob = /^\/v2\/r\/blobs\/(.+)$/.exec(req.url ?? '')?.[1];
    if (blob) return void res.writeHead(307, { location: `http://${storage.host}/storage/${blob}` }).end(), true;
    return false;
  });
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { username: 'u', password: 'redirect-Pw-1' } } }));
  try {
    const got = await resolve(`${registry.host}/r:t`, { env: { DOCKER_CONFIG: dir } });
    assert.is(got.digest, img.digest);
    assert.ok(registry.seen.some((s) => s.authorization === creds));
    assert.is(storage.count('GET', '/storage/'), 2, 'config and wasm layer came from storage');
    assert.equal(storage.seen.filter((s) => s.authorization !== undefined), []);
  } finally {
    registry.close();
    storage.close();
  }
});

test('fake server: 429 with Retry-After, then success', async () => {
  const fake = await fakeRegistry(img, (req, res, n) => {
    if (req.method === 'HEAD' && n === 1) return void res.writeHead(429, { 'retry-after': '1' }).end(), true;
    return false;
  });
  try {
    const got = await resolve(`${fake.host}/r:t`);
    assert.is(got.digest, img.digest);
    assert.is(fake.count('HEAD', '/manifests/t'), 2);
    assert.match(logs.join('\n'), /retrying HEAD http:\/\/[\d.:]+\/v2\/r\/manifests\/t: HTTP 429 \(attempt 2 of 3, in 1000 ms\)/);
  } finally {
    fake.close();
  }
});

test('fake server: 429 asking for a longer wait than allowed fails at once', async () => {
  const fake = await fakeRegistry(img, (_req, res) => {
    res.writeHead(429, { 'retry-after': '3600' }).end();
    return true;
  });
  try {
    assert.equal(await resolve(`${fake.host}/r:t`), {
      code: 'RESOLVE_FAILED',
      message: `image ${fake.host}/r:t: HEAD http://${fake.host}/v2/r/manifests/t: 429 Too Many Requests: rate limited; the registry asks to wait 3600 s, more than the 2 s meshext waits`,
    });
    assert.is(fake.count('HEAD', '/manifests/t'), 1);
  } finally {
    fake.close();
  }
});

test('fake server: 500 then success; 500 every time gives up after the bounded attempts', async () => {
  const flaky = await fakeRegistry(img, (req, res, n) => {
    if (req.url?.includes('/blobs/') && n === 1) return void res.writeHead(500).end('oops'), true;
    return false;
  });
  const broken = await fakeRegistry(img, (req, res) => {
    if (req.url?.includes(`/blobs/${layerDigest}`)) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}'), true;
    return false;
  });
  try {
    assert.is((await resolve(`${flaky.host}/r:t`)).digest, img.digest);
    assert.is(flaky.count('GET', `/blobs/${layerDigest}`), 2);
    assert.equal(await resolve(`${broken.host}/r:t`), {
      code: 'RESOLVE_FAILED',
      message: `image ${broken.host}/r:t: GET http://${broken.host}/v2/r/blobs/${layerDigest}: 503 Service Unavailable: UNAVAILABLE: try later: gave up after 3 attempts`,
    });
    assert.is(broken.count('GET', `/blobs/${layerDigest}`), 3);
  } finally {
    flaky.close();
    broken.close();
  }
});

test('fake server: a truncated body is retried, then reported', async () => {
  const fake = await fakeRegistry(img, (req, res) => {
    if (!req.url?.includes(`/blobs/${layerDigest}`)) return false;
    res.writeHead(200, { 'content-length': wasm('faults').length });
    res.write(wasm('faults').subarray(0, 4));
    setTimeout(() => res.destroy(), 20);
    return true;
  });
  try {
    assert.equal(await resolve(`${fake.host}/r:t`), {
      code: 'RESOLVE_FAILED',
      message: `image ${fake.host}/r:t: GET http://${fake.host}/v2/r/blobs/${layerDigest}: the connection closed early (UND_ERR_SOCKET)`,
    });
    assert.is(fake.count('GET', `/blobs/${layerDigest}`), 3);
  } finally {
    fake.close();
  }
});

test('fake server: manifest bytes that do not match the requested digest', async () => {
  const other = artifact(wasm('other'));
  const fake = await fakeRegistry(img, (req, res) => {
    if (!req.url?.includes('/manifests/')) return false;
    res.writeHead(200, { 'content-type': other.mediaType }).end(other.manifest);
    return true;
  });
  try {
    assert.equal(await resolve(`${fake.host}/r@${img.digest}`), {
      code: 'SHA256_MISMATCH',
      message: `image ${fake.host}/r@${img.digest}: the registry sent manifest bytes whose digest is ${other.digest}, not the requested ${img.digest}`,
    });
  } finally {
    fake.close();
  }
});

test('fake server: blob bytes that do not match their digest', async () => {
  const fake = await fakeRegistry(img, (req, res) => {
    if (!req.url?.includes(`/blobs/${layerDigest}`)) return false;
    const wrong = Buffer.from(wasm('faults')).fill(7, 8);
    res.writeHead(200).end(wrong);
    return true;
  });
  try {
    const got = await resolve(`${fake.host}/r:t`);
    assert.is(got.code, 'SHA256_MISMATCH');
    assert.match(got.message!, new RegExp(`^image ${fake.host}/r:t: blob ${layerDigest} arrived as \\d+ bytes hashing to sha256:[a-f0-9]{64}; the registry or a proxy altered or truncated it$`));
  } finally {
    fake.close();
  }
});

test('fake server: a server slower than the timeout', async () => {
  const fake = await fakeRegistry(img, (_req, res) => {
    const t = setTimeout(() => res.writeHead(200).end(), 3000);
    res.on('close', () => clearTimeout(t));
    return true;
  });
  try {
    assert.equal(await resolve(`${fake.host}/r:t`, { timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 10 } }), {
      code: 'RESOLVE_FAILED',
      message: `image ${fake.host}/r:t: HEAD http://${fake.host}/v2/r/manifests/t: no data for 150 ms (timed out)`,
    });
    assert.is(fake.count('HEAD', '/manifests/t'), 2);
  } finally {
    fake.close();
  }
});

test('fake server: a redirect loop ends', async () => {
  const fake = await fakeRegistry(img, (req, res) => {
    res.writeHead(302, { location: req.url ?? '/' }).end();
    return true;
  });
  try {
    const got = await resolve(`${fake.host}/r:t`);
    assert.equal(got, { code: 'RESOLVE_FAILED', message: `image ${fake.host}/r:t: HEAD http://${fake.host}/v2/r/manifests/t: more than 10 redirects` });
  } finally {
    fake.close();
  }
});

test('fake server: a token realm on a link-local address gets no credentials', async () => {
  const fake = await fakeRegistry(img, (_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://169.254.169.254/token",service="x"' }).end();
    return true;
  });
  try {
    assert.equal(await resolve(`${fake.host}/r:t`), {
      code: 'RESOLVE_FAILED',
      message: `image ${fake.host}/r:t: registry ${fake.host} sent a token realm that points at a link-local address; refusing to send credentials there`,
    });
  } finally {
    fake.close();
  }
});

test('fake server: a manifest over 4 MiB is refused', async () => {
  const fake = await fakeRegistry(img, (req, res) => {
    if (req.method !== 'GET' || !req.url?.includes('/manifests/')) return false;
    res.writeHead(200, { 'content-type': img.mediaType, 'content-length': 5 * 1024 * 1024 }).end(Buffer.alloc(5 * 1024 * 1024, 32));
    return true;
  });
  try {
    assert.equal(await resolve(`${fake.host}/r:t`), {
      code: 'RESOLVE_FAILED',
      message: `image ${fake.host}/r:t: GET http://${fake.host}/v2/r/manifests/${img.digest}: 200 OK: response is larger than the limit of 4194304 bytes`,
    });
  } finally {
    fake.close();
  }
});

test('fake server: plain HTTP only for loopback and insecureRegistries', async () => {
  // A registry that is not loopback is spoken to over https only, even when it only speaks http.
  const address = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  if (address === undefined) return; // no non-loopback interface on this machine: nothing to show
  const fake = await fakeRegistry(img, () => false, address);
  try {
    const refused = await resolve(`${fake.host}/r:t`, { retry: { attempts: 1 } });
    assert.is(refused.code, 'RESOLVE_FAILED');
    assert.is(
      refused.message,
      `image ${fake.host}/r:t: HEAD https://${fake.host}/v2/r/manifests/t: TLS handshake failed; if the registry speaks plain HTTP, list it in insecureRegistries (ERR_SSL_WRONG_VERSION_NUMBER)`,
    );
    assert.equal(fake.seen, [], 'no plain-HTTP request reached it');
    assert.is((await resolve(`${fake.host}/r:t`, { insecureRegistries: [fake.host] })).digest, img.digest);
    assert.ok(fake.seen.length > 0);
  } finally {
    fake.close();
  }
});

test('fake server: an unknown registry host fails over https, without retries', async () => {
  const got = await resolve('registry.invalid/x:y', { timeoutMs: 1000 });
  assert.is(got.code, 'RESOLVE_FAILED');
  assert.ok(got.message!.startsWith('image registry.invalid/x:y: HEAD https://registry.invalid/v2/x/manifests/y: '), got.message);
});

test.run();
