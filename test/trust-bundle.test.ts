// The verifier as the build ships it: dist/meshext.sigstore.js, a script of its own with V8's code
// cache beside it, which load-verifier.ts runs when a render first verifies an image; the app
// script carries none of the Sigstore libraries (every start would read them). Reads dist/, which
// `npm test` builds first.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCodeCache } from '../src/model/code-cache.ts';
import { SIGSTORE_SCRIPT, runSigstoreScript } from '../src/resolve/trust/load-verifier.ts';
import { GITHUB_ISSUER, classicSigLayer, foundBundle, keyInputs, newKey, randomDigest, testPolicy } from './_sigstore.ts';

const DIST = join(import.meta.dirname, '..', 'dist');
const script = join(DIST, SIGSTORE_SCRIPT);

test('dist/meshext.sigstore.js runs with the code cache the build made, and verifies a key signature and a real keyless bundle', () => {
  assert.ok(existsSync(script), 'no dist/meshext.sigstore.js: run `npm run build` first (`npm test` does)');
  assert.ok(readCodeCache(`${script}.cache`, readFileSync(script, 'utf8')) !== undefined, 'the code cache beside the script is not for this Node and this build');
  const { verifier: v, cached } = runSigstoreScript(script, `${script}.cache`);
  assert.is(cached.script.cachedDataRejected, false);

  const key = newKey('p256');
  const id = { issuer: GITHUB_ISSUER, subject: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main' };
  const policy = testPolicy({ keys: [key], keyless: [id] });
  const loaded = v.loadMaterial({ keys: keyInputs(policy) });
  assert.ok(!('errors' in loaded));
  if ('errors' in loaded) return;
  const digest = randomDigest();
  const signed = v.verifyImage({ ref: 'registry.example.com/x', digest, own: [classicSigLayer(digest, key)] }, policy, loaded);
  assert.ok(signed.ok && signed.verification.verifiedBy === `key ${key.id}`, JSON.stringify(signed));
  const bundle = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'sigstore', 'sigstore-js-2.1.0-bundle.json'), 'utf8')) as object;
  const npm = 'sha512:90f223f992e4c88dd068cd2a5fc57f9d2b30798343dd6e38f29c240e04ba090ef831f84490847c4e82b9232c78e8a258463b1e55c0f7469f730265008fa6633f';
  const keyless = v.verifyImage({ ref: 'registry.npmjs.org/sigstore', digest: npm, own: [foundBundle(bundle)] }, policy, loaded);
  assert.ok(keyless.ok && keyless.verification.verifiedBy === `${id.issuer} ${id.subject}`, JSON.stringify(keyless).slice(0, 500));
});

test('the app script carries none of the Sigstore libraries; the verifier script does', () => {
  const app = readFileSync(join(DIST, 'meshext.app.js'), 'utf8');
  const verifier = readFileSync(script, 'utf8');
  for (const marker of ['node_modules/@sigstore/', 'toTrustMaterial', 'application/vnd.dev.sigstore.trustedroot']) {
    assert.not.ok(app.includes(marker), `the app script contains ${marker}`);
  }
  assert.ok(verifier.includes('node_modules/@sigstore/verify') && verifier.includes('toTrustMaterial'));
});

test.run();
