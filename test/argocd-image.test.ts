// The Argo CD sidecar Dockerfile, built for real with buildah (no Docker engine here) and run:
// scripts/test-dockerfile.sh does the work and says what it checked. Never skipped: without root,
// buildah or debootstrap this fails and says how to get them (scripts/setup-test-env.sh as root).
// The base image is assembled around the Node this test runs on, so the image runs that Node.
// Before it runs, this test starts what the image renders from live, on loopback: a TLS registry
// (Basic auth, a private CA made by openssl) and an authenticating tinyproxy; the script mounts the
// CA, a certs.d/<host:port>/ and ~/.docker/config.json into the container as
// examples/argocd/argocd-repo-server-patch.yaml mounts them into the sidecar.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushFixtures } from './_images.ts';
import { startProxy } from './_proxy.ts';
import { PASSWORD, startRegistry, tempDir, USER } from './_registry.ts';
import { makePki } from './_tls.ts';

const ROOT = join(import.meta.dirname, '..');
const PROXY_USER = 'sidecar-proxy';
const PROXY_PASSWORD = 'Pr0xy-image-s3cret-4e';

test('the sidecar image builds from Dockerfile and renders as user 999, as the cmp-server would run it', async () => {
  const pki = makePki();
  const registry = await startRegistry({ auth: 'basic', tls: { ...pki.server, ca: pki.ca.cert } });
  const fx = await pushFixtures(registry);
  const proxy = await startProxy({ connectPorts: [Number(registry.host.split(':')[1])], basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } });
  try {
    // What the platform team mounts into the sidecar, readable by user 999 as ConfigMaps and Secrets are.
    const files = tempDir();
    const dir = (...p: string[]): string => {
      const d = join(files, ...p);
      mkdirSync(d, { recursive: true });
      for (let i = 1; i <= p.length; i++) chmodSync(join(files, ...p.slice(0, i)), 0o755);
      return d;
    };
    chmodSync(files, 0o755);
    copyFileSync(pki.ca.cert, join(dir('ca'), 'ca-bundle.crt'));
    copyFileSync(pki.ca.cert, join(dir('certs.d', registry.host), 'ca.crt'));
    writeFileSync(join(dir('docker'), 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    writeFileSync(join(dir('app'), 'extension.yaml'), `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: private-filter, namespace: istio-system}\nspec:\n  image: ${registry.host}/private/compat:latest\n`);
    // The host's render of the same declaration, live and direct, trusting the CA through certs.d.
    const host = spawnSync(process.execPath, [join(ROOT, 'dist', 'meshext.cjs'), 'render', '.'], {
      cwd: join(files, 'app'),
      env: { PATH: process.env.PATH, HOME: tempDir(), XDG_CACHE_HOME: tempDir(), MESHEXT_CERTS_D: join(files, 'certs.d'), DOCKER_CONFIG: join(files, 'docker') },
      encoding: 'utf8',
    });
    assert.is(host.status, 0, host.stderr);
    assert.match(host.stdout, `url: oci://${registry.host}/private/compat@${fx.private!.digest}`);
    writeFileSync(join(files, 'want.yaml'), host.stdout);
    assert.equal(proxy.connects(), []);

    const proxyUrl = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`;
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'test-dockerfile.sh')], {
      cwd: ROOT,
      env: { ...process.env, MESHEXT_TEST_NODE: process.execPath, MESHEXT_TEST_TLS_REGISTRY: registry.host, MESHEXT_TEST_TLS_FILES: files, MESHEXT_TEST_TLS_PROXY: proxyUrl },
      encoding: 'utf8',
      timeout: 15 * 60_000,
      maxBuffer: 64 << 20,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.error) assert.unreachable(`scripts/test-dockerfile.sh did not finish: ${r.error.message}\n${out}`);
    assert.is(r.status, 0, `scripts/test-dockerfile.sh failed (exit ${r.status}); it needs root, buildah and debootstrap: run scripts/setup-test-env.sh as root\n${out}`);
    assert.match(r.stdout, /^dockerfile: ok \(\d+ s\)$/m);
    for (const check of [
      'config: entrypoint, user 999, XDG_CACHE_HOME under /tmp',
      'meshext --version in the image',
      `code cache in the image: taken by ${process.version}`,
      'render in the image: same bytes as the host',
      'discover in the image matches examples/native',
      'plugin.yaml generate in the image: same bytes as the host',
      "network: buildah run --isolation chroot shares the host's network namespace",
      'live render in the image without the CA: refused, unknown authority',
      'live render in the image from the private-CA TLS registry (NODE_EXTRA_CA_CERTS, ~/.docker/config.json): same bytes as the host',
      'live render in the image through HTTPS_PROXY, trusting certs.d/<host:port>/ca.crt: same bytes as the host',
    ]) {
      assert.ok(r.stderr.includes(check), `missing check: ${check}\n${out}`);
    }
    // The tunnel: only the image's proxied render asked the proxy (the host's went direct).
    const tunnels = proxy.connects();
    assert.ok(tunnels.length > 0 && tunnels.every((t) => t === registry.host), `the proxy's log: ${JSON.stringify(tunnels)}`);
    for (const secret of [PASSWORD, PROXY_PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')]) {
      assert.not.ok(`${out}\n${host.stdout}\n${host.stderr}`.includes(secret), `a credential leaked: ${secret.slice(0, 4)}…`);
    }
  } finally {
    await Promise.all([registry.stop(), proxy.stop()]);
  }
});

test.run();
