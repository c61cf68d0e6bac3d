// The Argo CD sidecar Dockerfile, built for real with buildah (no Docker engine here) and run:
// scripts/test-dockerfile.sh does the work and says what it checked. Never skipped: without root,
// buildah or debootstrap this fails and says how to get them (scripts/setup-test-env.sh as root).
// The base image is assembled around the Node this test runs on, so the image runs that Node.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

test('the sidecar image builds from Dockerfile and renders as user 999, as the cmp-server would run it', () => {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'test-dockerfile.sh')], { cwd: ROOT, env: { ...process.env, MESHEXT_TEST_NODE: process.execPath }, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 << 20 });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.error) assert.unreachable(`scripts/test-dockerfile.sh did not finish: ${r.error.message}\n${out}`);
  assert.is(r.status, 0, `scripts/test-dockerfile.sh failed (exit ${r.status}); it needs root, buildah and debootstrap: run scripts/setup-test-env.sh as root\n${out}`);
  assert.match(r.stdout, /^dockerfile: ok \(\d+ s\)$/m);
  for (const check of ['config: entrypoint, user 999, XDG_CACHE_HOME under /tmp', 'meshext --version in the image', `code cache in the image: taken by ${process.version}`, 'render in the image: same bytes as the host', 'discover in the image matches examples/native', 'plugin.yaml generate in the image: same bytes as the host']) {
    assert.ok(r.stderr.includes(check), `missing check: ${check}\n${out}`);
  }
});

test.run();
