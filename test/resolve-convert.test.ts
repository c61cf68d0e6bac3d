// `meshext convert-image` round trips through a real token-auth registry: images Istio cannot
// load are pulled, repackaged as a two-layer Wasm OCI artifact, pushed with the credentials from
// a temporary DOCKER_CONFIG, and resolved back through the loadability check, module and
// defaults intact. The command itself: pinned reference on stdout, exit codes 0/2/3.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertImage } from '../src/resolve/convert-image.ts';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { runCli } from './_cli.ts';
import { pushFixtures, sha256, wasm } from './_images.ts';
import type { Fixture } from './_images.ts';
import { PASSWORD, startRegistry, USER, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';

let reg: TestRegistry;
let fx: Record<string, Fixture>;
let dockerConfig: string;

test.before(async () => {
  reg = await startRegistry({ auth: 'token' });
  fx = await pushFixtures(reg);
  dockerConfig = tempDir();
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
});
test.after(async () => {
  await reg.stop();
});

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;
const tmp = (): string => tempDir();
const opts = () => ({ cacheDir: tmp(), env: { DOCKER_CONFIG: dockerConfig }, insecureRegistries: [] });
async function resolve(s: string): Promise<unknown> {
  const r = ref(s);
  return (await createLiveResolver(opts()).resolveAll([r])).get(r.canonical);
}

const CASES: Record<string, { module: string; defaults: object }> = {
  maistra: { module: 'maistra', defaults: { phase: 'PostAuthZ', priority: 100 } },
  wasme: { module: 'wasme', defaults: { rootIds: ['wasme_root'] } },
  singleLayer: { module: 'oras', defaults: { rootIds: ['add_header'] } },
  index: { module: 'index-amd64', defaults: {} },
};

test('convert-image round trip: unloadable images come back as loadable Wasm OCI artifacts', async () => {
  for (const [name, want] of Object.entries(CASES)) {
    const f = fx[name]!;
    const dst = `${reg.host}/converted/${f.repo.replace('/', '-')}:${f.tag}`;
    const out = await convertImage(ref(`${reg.host}/${f.repo}:${f.tag}`), ref(dst), opts());
    assert.ok(!('code' in out), `${name}: ${JSON.stringify(out)}`);
    const { ref: pinned, digest } = out as { ref: string; digest: string };
    assert.is(pinned, `oci://${reg.host}/converted/${f.repo.replace('/', '-')}@${digest}`);
    const expected = { url: pinned, digest, format: 'oci-artifact', moduleSha256: sha256(wasm(want.module)), defaults: want.defaults };
    assert.equal(await resolve(dst), { ref: dst, ...expected }, name);
    assert.equal(await resolve(pinned), { ref: pinned.slice('oci://'.length), ...expected }, name);
  }
});

test('convert-image is deterministic: the same source gives the same digest', async () => {
  const src = ref(`${reg.host}/maistra/header-append:latest`);
  const a = (await convertImage(src, ref(`${reg.host}/converted/again:a`), opts())) as { digest: string };
  const b = (await convertImage(src, ref(`${reg.host}/converted/again:b`), opts())) as { digest: string };
  assert.is(a.digest, b.digest);
});

test('convert-image without push rights fails with the registry error', async () => {
  const dst = `${reg.host}/converted/denied:v1`;
  const got = await convertImage(ref(`${reg.host}/solo/wasme:latest`), ref(dst), { ...opts(), env: {} });
  assert.equal(got, {
    code: 'RESOLVE_FAILED',
    message: `pushing to ${dst}: POST http://${reg.host}/v2/converted/denied/blobs/uploads/: 401 Unauthorized: UNAUTHORIZED: authentication required: no credentials found for this registry (docker login, DOCKER_CONFIG or REGISTRY_AUTH_FILE)`,
  });
});

test('meshext convert-image prints the pinned reference on stdout and nothing else', async () => {
  const env = { DOCKER_CONFIG: dockerConfig, XDG_CACHE_HOME: tmp() };
  const r = await runCli(['convert-image', `${reg.host}/maistra/header-append:latest`, `${reg.host}/converted/cli:v1`], { env });
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.match(r.stdout, new RegExp(`^oci://${reg.host}/converted/cli@sha256:[a-f0-9]{64}\\n$`));
});

test('meshext convert-image: --help, usage errors (exit 2) and failures (exit 3) keep stdout empty', async () => {
  const env = { DOCKER_CONFIG: dockerConfig, XDG_CACHE_HOME: tmp() };
  const help = await runCli(['convert-image', '--help'], { env });
  assert.is(help.code, 0);
  assert.match(help.stdout, /^Usage: meshext convert-image SRC DST/);
  for (const argv of [['convert-image'], ['convert-image', 'a'], ['convert-image', 'a', 'b@sha256:' + '0'.repeat(64)], ['convert-image', 'a', 'b', '--bogus'], ['convert-image', 'Bad!', 'b']]) {
    const r = await runCli(argv, { env });
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.stdout, '');
    assert.match(r.stderr, /^meshext convert-image: /);
  }
  const missing = await runCli(['convert-image', `${reg.host}/no/such:image`, `${reg.host}/converted/x:v1`], { env });
  assert.is(missing.code, 3);
  assert.is(missing.stdout, '');
  assert.is(missing.stderr, `meshext convert-image: error: image ${reg.host}/no/such:image: HEAD http://${reg.host}/v2/no/such/manifests/image: 404 Not Found\n`);
});

test.run();
