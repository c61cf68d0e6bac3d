// Trust at render time, end to end through the CLI against Debian's docker-registry, with real
// signatures: cosign classic `.sig` layers signed with node:crypto keys, key bundles from
// @sigstore/sign and keyless bundles from @sigstore/mock (test/_sigstore.ts), attached as cosign
// and @sigstore/oci attach them (test/_signatures-oci.ts). Render, lock, --offline and --locked
// re-verify the lock's evidence; failures name the image and the policy. http(s) modules are in
// trust-http.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Found } from '../src/model/trust.ts';
import { runCli } from './_cli.ts';
import { artifact, digestOf, fsImage, index, push, wasm } from './_images.ts';
import type { BuiltImage } from './_images.ts';
import { PASSWORD, USER, startRegistry, tempDir } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { ACME_RELEASE, GITHUB_ISSUER, SLSA_PROVENANCE, classicAttLayer, keyBundle, mockKeyless, newKey, statement } from './_sigstore.ts';
import type { TestKey } from './_sigstore.ts';
import { attachReferrer, pushClassic, referrer, subjectOf } from './_signatures-oci.ts';
import { artifactImage, compatImage, diagnostics, docs, env, evidenceOf, extension, lockOf, mesh, repoWith, signClassic, verifiedBy } from './_trust-cli.ts';

let reg: TestRegistry;
test.before(async () => {
  reg = await startRegistry();
});
test.after(async () => {
  await reg.stop();
});

test('classic .sig signed with P-256 keys (one named by a path beside the Mesh, one inline): render annotates, lock keeps the evidence, an offline render with no cache and no registry re-verifies it and prints the same bytes, --locked passes', async () => {
  const own = await startRegistry();
  let stopped = false;
  try {
    const platformKey = newKey('p256');
    const edgeKey = newKey('p256');
    const compat = await compatImage(own, 'trust/compat');
    const art = await artifactImage(own, 'trust/oci-art');
    const compatSig = await signClassic(own, 'trust/compat', compat.digest, [platformKey]);
    const artSig = await signClassic(own, 'trust/oci-art', art.digest, [platformKey, edgeKey]);
    const pem = edgeKey.pem.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
    const dir = repoWith({
      'platform/mesh.yaml': mesh(`policies:\n- name: platform\n  images: ["${own.host}/trust/**"]\n  keys: [keys/cosign.pub]\n- name: edge\n  images: ["${own.host}/trust/oci-*"]\n  keys:\n  - |\n${pem}`),
      'platform/keys/cosign.pub': platformKey.pem,
      'ext.yaml': extension('compat', `${own.host}/trust/compat:v1`) + '---\n' + extension('art', `${own.host}/trust/oci-art:v1`),
    });
    const cache = tempDir();
    const first = await runCli(['render', dir], { env: env(cache) });
    assert.is(first.code, 0, first.stderr);
    assert.equal(verifiedBy(first.stdout), { 'WasmPlugin/art': `key ${platformKey.id}, key ${edgeKey.id}`, 'WasmPlugin/compat': `key ${platformKey.id}` });
    const at = (line: number, msg: string) => `ext.yaml:${line}:8: warning: image ${msg} (field spec.image)`;
    assert.equal(first.stderr.trimEnd().split('\n'), [
      at(4, `${own.host}/trust/compat:v1 is not in the lock; resolved live (run meshext lock to pin it)`),
      at(4, `${own.host}/trust/compat:v1: the lock carries no evidence for policy platform; verified from the registry instead (run meshext lock to keep the evidence)`),
      at(9, `${own.host}/trust/oci-art:v1 is not in the lock; resolved live (run meshext lock to pin it)`),
      at(9, `${own.host}/trust/oci-art:v1: the lock carries no evidence for policy edge; verified from the registry instead (run meshext lock to keep the evidence)`),
      at(9, `${own.host}/trust/oci-art:v1: the lock carries no evidence for policy platform; verified from the registry instead (run meshext lock to keep the evidence)`),
    ]);

    const locked = await runCli(['lock', dir], { env: env(cache) });
    assert.is(locked.code, 0, locked.stderr);
    const lock = lockOf(dir);
    assert.equal(lock.images[`${own.host}/trust/compat:v1`].verified, [{ policy: 'platform', by: `key ${platformKey.id}`, signedDigest: compat.digest, evidence: [await evidenceOf(compatSig[0]!)] }]);
    assert.equal(lock.images[`${own.host}/trust/oci-art:v1`].verified, [
      { policy: 'platform', by: `key ${platformKey.id}`, signedDigest: art.digest, evidence: [await evidenceOf(artSig[0]!)] },
      { policy: 'edge', by: `key ${edgeKey.id}`, signedDigest: art.digest, evidence: [await evidenceOf(artSig[1]!)] },
    ]);
    // The evidence is the classic layer itself: the payload it signs and its signature, in bundle form.
    const kept = lock.images[`${own.host}/trust/compat:v1`].verified[0].evidence[0];
    assert.is(kept.at, '.sig tag');
    assert.is(Buffer.from(kept.payload, 'base64').toString('utf8'), compatSig[0]!.payload.toString('utf8'));
    assert.is(JSON.parse(kept.bundle).messageSignature.signature, compatSig[0]!.annotations['dev.cosignproject.cosign/signature']);

    const rendered = await runCli(['render', dir], { env: env(cache) });
    assert.is(rendered.code, 0, rendered.stderr);
    assert.is(rendered.stderr, '');
    assert.is(rendered.stdout, first.stdout);

    await own.stop();
    stopped = true;
    const offline = await runCli(['render', dir, '--offline'], { env: env(tempDir()) });
    assert.is(offline.code, 0, offline.stderr);
    assert.is(offline.stderr, '');
    assert.is(offline.stdout, first.stdout);
    const strict = await runCli(['render', dir, '--offline', '--locked'], { env: env(tempDir()) });
    assert.is(strict.code, 0, strict.stderr);
    assert.is(strict.stdout, first.stdout);
  } finally {
    if (!stopped) await own.stop();
  }
});

/**
 * A compat image in `repo`, signed with a new key in cosign's classic layout (unless `sign` is
 * false), and a directory declaring it, whose Mesh's policy `platform` names the key by path.
 */
async function signedRepo(repo: string, opts: { sign?: boolean } = {}): Promise<{ dir: string; img: BuiltImage; ref: string; key: TestKey }> {
  const key = newKey('p256');
  const img = await compatImage(reg, repo);
  if (opts.sign !== false) await signClassic(reg, repo, img.digest, [key]);
  const ref = `${reg.host}/${repo}:v1`;
  const trust = `policies:\n- name: platform\n  images: ["${reg.host}/${repo}:*"]\n  keys: [cosign.pub]`;
  const dir = repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', ref) });
  return { dir, img, ref, key };
}

/** Rewrites the lock in `dir` with `edit` applied to `ref`'s first verification. */
function editLock(dir: string, ref: string, edit: (v: any) => void): void {
  const lock = lockOf(dir);
  edit(lock.images[ref].verified[0]);
  writeFileSync(join(dir, 'meshext.lock'), stringify(lock));
}

test('tampered lock evidence (the payload, or the signature in the bundle): an offline render fails with exit 3, naming the image and the policy, and prints nothing', async () => {
  const { dir, img, ref, key } = await signedRepo('trust/tamper');
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  const good = readFileSync(join(dir, 'meshext.lock'), 'utf8');

  editLock(dir, ref, (v) => {
    const payload = JSON.parse(Buffer.from(v.evidence[0].payload, 'base64').toString('utf8'));
    payload.optional = { tampered: 'yes' };
    v.evidence[0].payload = Buffer.from(JSON.stringify(payload)).toString('base64');
  });
  const payload = await runCli(['render', dir, '--offline'], { env: env() });
  assert.is(payload.code, 3);
  assert.is(payload.stdout, '');
  const stale = `the lock's evidence no longer satisfies policy platform: ${ref}@${img.digest}: signature does not verify with key ${key.id}: the signature is not valid for the signed content (SIGNATURE_ERROR: signature verification failed)`;
  const offlineError = `ext.yaml:4:8: error: image ${ref} is not verified: ${stale}, and --offline forbids the network; run meshext lock (field spec.image)`;
  assert.equal(diagnostics(payload.stderr), [offlineError, 'meshext: 1 error; nothing was written']);

  writeFileSync(join(dir, 'meshext.lock'), good);
  editLock(dir, ref, (v) => {
    const bundle = JSON.parse(v.evidence[0].bundle);
    const sig = Buffer.from(bundle.messageSignature.signature, 'base64');
    sig[sig.length - 1] ^= 1;
    bundle.messageSignature.signature = sig.toString('base64');
    v.evidence[0].bundle = JSON.stringify(bundle);
  });
  const signature = await runCli(['render', dir, '--offline'], { env: env() });
  assert.is(signature.code, 3);
  assert.is(signature.stdout, '');
  assert.equal(diagnostics(signature.stderr), [offlineError, 'meshext: 1 error; nothing was written']);

  // Online, the registry's signature replaces the broken evidence, with a warning; --locked refuses the change.
  const online = await runCli(['render', dir], { env: env() });
  assert.is(online.code, 0, online.stderr);
  assert.equal(diagnostics(online.stderr), [`ext.yaml:4:8: warning: image ${ref}: ${stale}; verified from the registry instead (run meshext lock to keep the evidence) (field spec.image)`]);
  const strict = await runCli(['render', dir, '--locked'], { env: env() });
  assert.is(strict.code, 3);
  assert.is(strict.stdout, '');
  assert.equal(diagnostics(strict.stderr), [`ext.yaml:4:8: error: image ${ref}: ${stale}, but the registry has evidence that does; --locked forbids the change: run meshext lock (field spec.image)`, 'meshext: 1 error; nothing was written']);
});

test("lock evidence about another digest is ignored: another image's valid signature copied into this image's entry does not verify it", async () => {
  const a = await signedRepo('trust/copied-a', { sign: false });
  const bImg = await compatImage(reg, 'trust/copied-b');
  const bSig = await signClassic(reg, 'trust/copied-b', bImg.digest, [a.key]);
  // The lock for a, from a render where a was unsigned: pins only.
  const unsigned = repoWith({ 'ext.yaml': extension('ext', a.ref) });
  assert.is((await runCli(['lock', unsigned], { env: env() })).code, 0);
  const lock = lockOf(unsigned);
  const evidence = await evidenceOf(bSig[0]!);
  const pinned = `${a.ref}@${a.img.digest}`;
  const why = {
    // Claimed to be about this image: the payload says otherwise.
    [a.img.digest]: `signed by key ${a.key.id}, but its payload signs ${bImg.digest}, not ${a.img.digest}`,
    // Honestly about b: not evidence for a at all (a has no index it could be).
    [bImg.digest]: `no signature for ${pinned}; policy platform wants key ${a.key.id}`,
  };
  for (const [signedDigest, reason] of Object.entries(why)) {
    lock.images[a.ref].verified = [{ policy: 'platform', by: `key ${a.key.id}`, signedDigest, evidence: [evidence] }];
    writeFileSync(join(a.dir, 'meshext.lock'), stringify(lock));
    const r = await runCli(['render', a.dir, '--offline'], { env: env() });
    assert.is(r.code, 3, signedDigest);
    assert.is(r.stdout, '');
    const prefix = signedDigest === a.img.digest ? `${pinned}: ` : '';
    assert.is(r.stderr.split('\n')[0], `ext.yaml:4:8: error: image ${a.ref} is not verified: the lock's evidence no longer satisfies policy platform: ${prefix}${reason}, and --offline forbids the network; run meshext lock (field spec.image)`);
  }
});

test('no signature at all: exit 3, nothing on stdout, "no signature for <ref>@<digest> (looked at: …)" and what the policy wants', async () => {
  const { dir, img, ref, key } = await signedRepo('trust/unsigned', { sign: false });
  const r = await runCli(['render', dir], { env: env() });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.equal(diagnostics(r.stderr), [
    `ext.yaml:4:8: error: image ${ref} is not verified: no signature for ${ref}@${img.digest} (looked at: .sig tag, referrers tag); policy platform wants key ${key.id} (field spec.image)`,
    `ext.yaml:4:8: warning: image ${ref} is not in the lock; resolved live (run meshext lock to pin it) (field spec.image)`,
    'meshext: 1 error; nothing was written',
  ]);
  const lock = await runCli(['lock', dir], { env: env() });
  assert.is(lock.code, 3);
  assert.not.ok(existsSync(join(dir, 'meshext.lock')), 'no lock is written for an image that fails its policy');
});

test('a Mesh read from stdin names its key relative to the working directory', async () => {
  const { dir, key } = await signedRepo('trust/stdin');
  const stdin = readFileSync(join(dir, 'mesh.yaml'), 'utf8') + '---\n' + readFileSync(join(dir, 'ext.yaml'), 'utf8');
  const r = await runCli(['render', '-'], { env: env(), stdin, cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
  const elsewhere = await runCli(['render', '-'], { env: env(), stdin, cwd: tempDir() });
  assert.is(elsewhere.code, 1);
  assert.is(elsewhere.stdout, '');
  assert.equal(diagnostics(elsewhere.stderr).filter((l) => l.includes('error')), ['<stdin>:10:14: error: key cosign.pub: no such file (field spec.trust.policies[0].keys[0])', 'meshext: 1 error; nothing was written']);
});

test('mode warn: an unsigned image renders (exit 0) with a warning and without meshext.dev/verified-by; the signed one beside it keeps its annotation', async () => {
  const signed = await signedRepo('trust/warn-signed');
  const unsignedImg = await compatImage(reg, 'trust/warn-unsigned');
  const unsignedRef = `${reg.host}/trust/warn-unsigned:v1`;
  const dir = repoWith({
    'mesh.yaml': mesh(`mode: warn\npolicies:\n- name: platform\n  images: ["${reg.host}/trust/warn-*:*"]\n  keys: [cosign.pub]`),
    'cosign.pub': signed.key.pem,
    'ext.yaml': extension('signed', signed.ref) + '---\n' + extension('unsigned', unsignedRef),
  });
  const r = await runCli(['render', dir], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/signed': `key ${signed.key.id}`, 'WasmPlugin/unsigned': undefined });
  assert.equal(diagnostics(r.stderr).slice(2), [
    `ext.yaml:9:8: warning: image ${unsignedRef} is not in the lock; resolved live (run meshext lock to pin it) (field spec.image)`,
    `ext.yaml:9:8: warning: image ${unsignedRef} is not verified: no signature for ${unsignedRef}@${unsignedImg.digest} (looked at: .sig tag, referrers tag); policy platform wants key ${signed.key.id} (field spec.image)`,
  ]);
  assert.not.match(r.stderr, 'error');
});

test('unmatched: deny (the default) fails an image no policy covers; unmatched: allow renders it without meshext.dev/verified-by', async () => {
  const signed = await signedRepo('trust/covered');
  const stray = await compatImage(reg, 'trust-elsewhere/stray');
  const strayRef = `${reg.host}/trust-elsewhere/stray:v1`;
  const policy = `policies:\n- name: platform\n  images: ["${reg.host}/trust/covered:*"]\n  keys: [cosign.pub]`;
  const files = { 'cosign.pub': signed.key.pem, 'ext.yaml': extension('covered', signed.ref) + '---\n' + extension('stray', strayRef) };
  const deny = await runCli(['render', repoWith({ ...files, 'mesh.yaml': mesh(policy) })], { env: env() });
  assert.is(deny.code, 3);
  assert.is(deny.stdout, '');
  assert.ok(deny.stderr.includes(`ext.yaml:9:8: error: image ${strayRef} matches no trust policy (platform), and spec.trust.unmatched is deny: add it to a policy's images, or set unmatched: allow (field spec.image)\n`), deny.stderr);
  const allow = await runCli(['render', repoWith({ ...files, 'mesh.yaml': mesh(`unmatched: allow\n${policy}`) })], { env: env() });
  assert.is(allow.code, 0, allow.stderr);
  assert.equal(verifiedBy(allow.stdout), { 'WasmPlugin/covered': `key ${signed.key.id}`, 'WasmPlugin/stray': undefined });
  assert.ok(docs(allow.stdout).find((d) => d.metadata.name === 'stray')!.spec.url.endsWith(stray.digest));
});

test('--locked: a lock written before the Mesh had a policy carries no evidence, so --locked fails (the lock would change); after meshext lock it passes', async () => {
  const { dir, ref } = await signedRepo('trust/locked');
  const before = repoWith({ 'ext.yaml': extension('ext', ref) });
  assert.is((await runCli(['lock', before], { env: env() })).code, 0);
  writeFileSync(join(dir, 'meshext.lock'), readFileSync(join(before, 'meshext.lock')));
  const strict = await runCli(['render', dir, '--locked'], { env: env() });
  assert.is(strict.code, 3);
  assert.is(strict.stdout, '');
  assert.equal(diagnostics(strict.stderr), [
    `ext.yaml:4:8: error: image ${ref}: the lock carries no evidence for policy platform, but the registry has evidence that does; --locked forbids the change: run meshext lock (field spec.image)`,
    'meshext: 1 error; nothing was written',
  ]);
  const lock = await runCli(['lock', dir], { env: env() });
  assert.is(lock.code, 0, lock.stderr);
  const after = await runCli(['render', dir, '--locked'], { env: env() });
  assert.is(after.code, 0, after.stderr);
  assert.is(after.stderr, '');
  const check = await runCli(['lock', dir, '--check'], { env: env() });
  assert.is(check.code, 0, check.stderr);
});

test('--locked: evidence the lock keeps for a policy the Mesh no longer declares, or after spec.trust is removed, would be dropped by meshext lock, so --locked fails as lock --check does', async () => {
  const { dir, ref } = await signedRepo('trust/dropped');
  const policy = (name: string) => `- name: ${name}\n  images: ["${reg.host}/trust/dropped:*"]\n  keys: [cosign.pub]`;
  writeFileSync(join(dir, 'mesh.yaml'), mesh(`policies:\n${policy('platform')}\n${policy('second')}`));
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  assert.equal(lockOf(dir).images[ref].verified.map((v: { policy: string }) => v.policy), ['platform', 'second']);
  const cases: [string, string][] = [
    [mesh(`policies:\n${policy('platform')}`), 'policy second, which meshext lock would now drop (the Mesh declares no such policy now)'],
    ['apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata: {name: mesh}\nspec:\n  istioVersion: "1.24"\n', 'policies platform, second, which meshext lock would now drop (the Mesh has no spec.trust)'],
  ];
  for (const [meshText, what] of cases) {
    writeFileSync(join(dir, 'mesh.yaml'), meshText);
    const strict = await runCli(['render', dir, '--locked'], { env: env() });
    assert.is(strict.code, 1);
    assert.is(strict.stdout, '');
    assert.equal(diagnostics(strict.stderr), [
      `meshext.lock:5:3: error: the lock keeps evidence of ${ref} for trust ${what}; --locked forbids the change: run meshext lock (field images.${ref}.verified)`,
      'meshext: 1 error; nothing was written',
    ]);
    assert.is((await runCli(['lock', dir, '--check'], { env: env() })).code, 1);
    const plain = await runCli(['render', dir], { env: env() });
    assert.is(plain.code, 0, plain.stderr);
  }
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  assert.is(lockOf(dir).images[ref].verified, undefined);
  const after = await runCli(['render', dir, '--locked'], { env: env() });
  assert.is(after.code, 0, after.stderr);
});

test('meshext verify: per image what was looked at and found and which policy passed, in text and json, from the registry and then from the lock; exit 0 when all pass, 3 when one fails (in warn mode too), 1 without spec.trust', async () => {
  const signed = await signedRepo('trust/verify-signed');
  const unsignedImg = await compatImage(reg, 'trust/verify-unsigned');
  const unsignedRef = `${reg.host}/trust/verify-unsigned:v1`;
  const { key, img } = signed;
  const policy = (mode: string) => mesh(`${mode}policies:\n- name: platform\n  images: ["${reg.host}/trust/verify-*:*"]\n  keys: [cosign.pub]`);
  const ok = repoWith({ 'mesh.yaml': policy(''), 'cosign.pub': key.pem, 'ext.yaml': extension('signed', signed.ref) });
  const signedText = (from: 'registry' | 'lock') =>
    [
      `${signed.ref} (${img.digest}): passed`,
      ...(from === 'registry' ? ['  looked at: .sig tag, referrers tag'] : []),
      `  policy platform: passed, signed by key ${key.id} on ${img.digest} (evidence from the ${from})`,
      `    .sig tag, ${img.digest}, signature, by key ${key.id}: accepted`,
    ].join('\n') + '\n';
  const text = await runCli(['verify', ok], { env: env() });
  assert.is(text.code, 0, text.stderr);
  assert.is(text.stdout, signedText('registry'));
  const checked = { at: '.sig tag', digest: img.digest, kind: 'signature', identity: `key ${key.id}`, accepted: true, result: `accepted: signature signed by key ${key.id}` };
  const signedJson = (from: 'registry' | 'lock') => ({
    ref: signed.ref,
    digest: img.digest,
    passed: true,
    lookedAt: from === 'registry' ? ['.sig tag', 'referrers tag'] : [],
    policies: [{ policy: 'platform', passed: true, verifiedBy: `key ${key.id}`, signedDigest: img.digest, evidenceFrom: from, checked: [checked] }],
  });
  const json = await runCli(['verify', ok, '--format', 'json'], { env: env() });
  assert.is(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout), { passed: true, images: [signedJson('registry')] });

  assert.is((await runCli(['lock', ok], { env: env() })).code, 0);
  const fromLock = await runCli(['verify', ok, '--offline'], { env: env() });
  assert.is(fromLock.code, 0, fromLock.stderr);
  assert.is(fromLock.stderr, '');
  assert.is(fromLock.stdout, signedText('lock'));
  const fromLockJson = await runCli(['verify', ok, '--offline', '--format', 'json'], { env: env() });
  assert.equal(JSON.parse(fromLockJson.stdout), { passed: true, images: [signedJson('lock')] });

  const why = `no signature for ${unsignedRef}@${unsignedImg.digest} (looked at: .sig tag, referrers tag); policy platform wants key ${key.id}`;
  for (const mode of ['', 'mode: warn\n']) {
    const dir = repoWith({ 'mesh.yaml': policy(mode), 'cosign.pub': key.pem, 'ext.yaml': extension('signed', signed.ref) + '---\n' + extension('unsigned', unsignedRef) });
    const bad = await runCli(['verify', dir], { env: env() });
    assert.is(bad.code, 3, mode);
    assert.is(bad.stdout, signedText('registry') + [`${unsignedRef} (${unsignedImg.digest}): FAILED`, '  looked at: .sig tag, referrers tag', `  policy platform: FAILED: ${why}`].join('\n') + '\n');
    assert.ok(diagnostics(bad.stderr).includes(`ext.yaml:9:8: ${mode ? 'warning' : 'error'}: image ${unsignedRef} is not verified: ${why} (field spec.image)`), bad.stderr);
    const badJson = await runCli(['verify', dir, '--format', 'json'], { env: env() });
    assert.is(badJson.code, 3, mode);
    assert.equal(JSON.parse(badJson.stdout), {
      passed: false,
      images: [signedJson('registry'), { ref: unsignedRef, digest: unsignedImg.digest, passed: false, lookedAt: ['.sig tag', 'referrers tag'], policies: [{ policy: 'platform', passed: false, reason: why, checked: [] }] }],
    });
  }
  const none = await runCli(['verify', repoWith({ 'ext.yaml': extension('signed', signed.ref) })], { env: env() });
  assert.is(none.code, 1);
  assert.is(none.stdout, '');
  assert.equal(diagnostics(none.stderr).slice(-1), ['meshext verify: no Mesh of this render declares spec.trust, so there is nothing to verify']);
});

test('bad policy material: a key path that does not exist, a private key, a trusted root that is not JSON: exit 1, nothing on stdout, the file named and the line of the field quoted', async () => {
  const { ref, key } = await signedRepo('trust/material');
  const priv = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cases: Record<string, { files: Record<string, string>; trust: string; error: string[] }> = {
    missing: {
      files: {},
      trust: `policies:\n- name: platform\n  images: ["**"]\n  keys: [keys/missing.pub]`,
      error: ['mesh.yaml:10:14: error: key keys/missing.pub: no such file (field spec.trust.policies[0].keys[0])', '      keys: [keys/missing.pub]'],
    },
    private: {
      files: { 'cosign.key': priv },
      trust: `policies:\n- name: platform\n  images: ["**"]\n  keys: [cosign.key]`,
      error: [
        'mesh.yaml:10:14: error: key cosign.key: the key is a private key (PRIVATE KEY): a policy takes the public key (cosign.pub); keep the private key out of the repository (field spec.trust.policies[0].keys[0])',
        '      keys: [cosign.key]',
      ],
    },
    root: {
      files: { 'cosign.pub': key.pem, 'root.txt': 'not json {' },
      trust: `trustedRoot: root.txt\npolicies:\n- name: platform\n  images: ["**"]\n  keys: [cosign.pub]`,
      error: [`mesh.yaml:7:5: error: trustedRoot root.txt: the trusted root is not valid JSON (field spec.trust.trustedRoot)`, '    trustedRoot: root.txt'],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const dir = repoWith({ ...c.files, 'mesh.yaml': mesh(c.trust), 'ext.yaml': extension('ext', ref) });
    const r = await runCli(['render', dir], { env: env() });
    assert.is(r.code, 1, name);
    assert.is(r.stdout, '');
    const lines = r.stderr.split('\n');
    const at = lines.indexOf(c.error[0]!);
    assert.ok(at >= 0, `${name}: ${r.stderr}`);
    assert.match(lines[at + 1]!, new RegExp(`^\\s+\\d+ \\| ${c.error[1]!.replace(/[[\]]/g, '\\$&')}$`), name);
    assert.not.ok(r.stderr.includes('PRIVATE KEY-----') || r.stderr.includes(priv.split('\n')[1]!), 'the private key is not printed');
  }
});

test('keyless: a cosign v3 signed statement (DSSE bundle from the mock Fulcio and Rekor) attached as a referrer through the sha256-<hex> tag index, and a cosign v2 keyless .sig, verify against the trusted root beside the Mesh; verified-by is issuer and subject; the lock re-verifies offline; a subject the policy does not accept is named with what it accepts', async () => {
  const img = await compatImage(reg, 'trust/keyless');
  const v2 = await compatImage(reg, 'trust/keyless-v2');
  const other = await compatImage(reg, 'trust/keyless-other');
  const mk = await mockKeyless();
  let bundle: object;
  let otherBundle: object;
  let v2Layer: Extract<Found, { kind: 'classic' }>;
  try {
    bundle = await mk.signStatement(statement(img.digest));
    v2Layer = await mk.classicLayer(v2.digest);
    otherBundle = await mk.signStatement(statement(other.digest), { identity: { ...ACME_RELEASE, subject: 'https://github.com/acme/ext/.github/workflows/nightly.yml@refs/heads/main' } });
  } finally {
    await mk.close();
  }
  await attachReferrer(reg, 'trust/keyless', img.digest, referrer(subjectOf(img), { bundle }));
  await attachReferrer(reg, 'trust/keyless-other', other.digest, referrer(subjectOf(other), { bundle: otherBundle }));
  await pushClassic(reg, 'trust/keyless-v2', v2.digest, [v2Layer]);
  const ref = `${reg.host}/trust/keyless:v1`;
  const v2Ref = `${reg.host}/trust/keyless-v2:v1`;
  const otherRef = `${reg.host}/trust/keyless-other:v1`;
  const trust = `trustedRoot: trusted_root.json\npolicies:\n- name: ci\n  images: ["${reg.host}/trust/keyless*:*"]\n  keyless:\n  - issuer: ${GITHUB_ISSUER}\n    subject: https://github.com/acme/ext/.github/workflows/release.yml@refs/tags/*\n    sourceRepository: https://github.com/acme/ext`;
  const dir = repoWith({ 'mesh.yaml': mesh(trust), 'trusted_root.json': mk.trustedRootJson, 'ext.yaml': extension('ext', ref) + '---\n' + extension('v2', v2Ref) });
  const r = await runCli(['render', dir], { env: env() });
  assert.is(r.code, 0, r.stderr);
  const signer = `${GITHUB_ISSUER} ${ACME_RELEASE.subject}`;
  assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/ext': signer, 'WasmPlugin/v2': signer });
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  const lock = lockOf(dir);
  assert.equal(lock.images[ref].verified, [{ policy: 'ci', by: signer, signedDigest: img.digest, evidence: [{ at: 'referrers tag', bundle: JSON.stringify(bundle) }] }]);
  assert.equal(lock.images[v2Ref].verified, [{ policy: 'ci', by: signer, signedDigest: v2.digest, evidence: [await evidenceOf(v2Layer!)] }]);
  const offline = await runCli(['render', dir, '--offline', '--locked'], { env: env() });
  assert.is(offline.code, 0, offline.stderr);
  assert.is(offline.stderr, '');
  assert.is(offline.stdout, r.stdout);

  const wrong = await runCli(['render', repoWith({ 'mesh.yaml': mesh(trust), 'trusted_root.json': mk.trustedRootJson, 'ext.yaml': extension('ext', otherRef) })], { env: env() });
  assert.is(wrong.code, 3);
  assert.is(wrong.stdout, '');
  assert.equal(diagnostics(wrong.stderr), [
    `ext.yaml:4:8: error: image ${otherRef} is not verified: ${otherRef}@${other.digest}: signed by ${GITHUB_ISSUER} https://github.com/acme/ext/.github/workflows/nightly.yml@refs/heads/main (source repository https://github.com/acme/ext), which policy ci does not accept (it accepts: keyless issuer ${GITHUB_ISSUER} subject https://github.com/acme/ext/.github/workflows/release.yml@refs/tags/* sourceRepository https://github.com/acme/ext) (field spec.image)`,
    `ext.yaml:4:8: warning: image ${otherRef} is not in the lock; resolved live (run meshext lock to pin it) (field spec.image)`,
    'meshext: 1 error; nothing was written',
  ]);
});

test('multi-arch: a signature on the index (not the child) counts because the index lists the child for linux/amd64; the lock keeps the index digest and bytes, and an offline render with no cache re-checks both (edited index bytes fail); once the child is signed, its own signature is kept', async () => {
  const key = newKey('p256');
  const amd64 = fsImage([[{ name: 'plugin.wasm', data: wasm('multi-amd64') }]]);
  const arm64 = artifact(wasm('multi-arm64'));
  const idx = index([
    { image: arm64, platform: { architecture: 'arm64', os: 'linux' } },
    { image: amd64, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  await push(reg, 'trust/multi', 'v1', idx);
  const sig = await signClassic(reg, 'trust/multi', idx.digest, [key]);
  const ref = `${reg.host}/trust/multi:v1`;
  const dir = repoWith({ 'mesh.yaml': mesh(`policies:\n- name: platform\n  images: ["${reg.host}/trust/multi:*"]\n  keys: [cosign.pub]`), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', ref) });
  const r = await runCli(['render', dir], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(docs(r.stdout)[0]!.spec.url, `oci://${reg.host}/trust/multi@${amd64.digest}`);
  assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  const entry = lockOf(dir).images[ref];
  assert.is(entry.digest, amd64.digest);
  assert.is(entry.index, idx.digest);
  assert.equal(entry.verified, [{ policy: 'platform', by: `key ${key.id}`, signedDigest: idx.digest, index: idx.manifest.toString('base64'), evidence: [await evidenceOf(sig[0]!)] }]);
  const offline = await runCli(['render', dir, '--offline', '--locked'], { env: env() });
  assert.is(offline.code, 0, offline.stderr);
  assert.is(offline.stderr, '');
  assert.is(offline.stdout, r.stdout);

  // The index bytes in the lock changed (one space added): they no longer hash to the index signed.
  const good = readFileSync(join(dir, 'meshext.lock'), 'utf8');
  const edited = Buffer.from(idx.manifest.toString('utf8').replace('{', '{ '));
  editLock(dir, ref, (v) => void (v.index = edited.toString('base64')));
  const tampered = await runCli(['render', dir, '--offline'], { env: env() });
  assert.is(tampered.code, 3);
  assert.is(tampered.stdout, '');
  assert.equal(diagnostics(tampered.stderr), [
    `ext.yaml:4:8: error: image ${ref} is not verified: the lock's evidence no longer satisfies policy platform: no signature for ${ref}@${amd64.digest}; policy platform wants key ${key.id}; signatures on its index ${idx.digest} do not count: the index bytes hash to ${digestOf(edited)}, not ${idx.digest}, and --offline forbids the network; run meshext lock (field spec.image)`,
    'meshext: 1 error; nothing was written',
  ]);
  writeFileSync(join(dir, 'meshext.lock'), good);

  // Once the child is signed too, its own signature is the evidence, and no index is kept.
  const childSig = await signClassic(reg, 'trust/multi', amd64.digest, [key]);
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  assert.equal(lockOf(dir).images[ref].verified, [{ policy: 'platform', by: `key ${key.id}`, signedDigest: amd64.digest, evidence: [await evidenceOf(childSig[0]!)] }]);
});

test('multi-arch: a signed index that does not list the pinned child vouches for nothing, whether the lock names it as the index (asked live) or carries its signature as evidence (offline)', async () => {
  const key = newKey('p256');
  const amd64 = fsImage([[{ name: 'plugin.wasm', data: wasm('stranger-amd64') }]]);
  const idx = index([{ image: amd64, platform: { architecture: 'amd64', os: 'linux' } }]);
  await push(reg, 'trust/stranger', 'v1', idx);
  // Another index in the same repository, for another module, signed by the policy's key.
  const elsewhere = fsImage([[{ name: 'plugin.wasm', data: wasm('stranger-other') }]]);
  const signedIdx = index([{ image: elsewhere, platform: { architecture: 'amd64', os: 'linux' } }]);
  await push(reg, 'trust/stranger', 'other', signedIdx);
  const sig = await signClassic(reg, 'trust/stranger', signedIdx.digest, [key]);
  const ref = `${reg.host}/trust/stranger:v1`;
  const dir = repoWith({ 'mesh.yaml': mesh(`policies:\n- name: platform\n  images: ["${reg.host}/trust/stranger:*"]\n  keys: [cosign.pub]`), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', ref) });
  const honest = await runCli(['render', dir], { env: env() });
  assert.is(honest.code, 3);
  assert.is(honest.stdout, '');
  const noSignature = `no signature for ${ref}@${amd64.digest} (looked at: .sig tag, referrers tag); policy platform wants key ${key.id}`;
  assert.is(diagnostics(honest.stderr)[0], `ext.yaml:4:8: error: image ${ref} is not verified: ${noSignature}; nor on its index ${idx.digest} (field spec.image)`);

  // The lock written, then edited to say the child was chosen from the signed index.
  const pinsOnly = repoWith({ 'ext.yaml': extension('ext', ref) });
  assert.is((await runCli(['lock', pinsOnly], { env: env() })).code, 0);
  const lock = lockOf(pinsOnly);
  lock.images[ref].index = signedIdx.digest;
  writeFileSync(join(dir, 'meshext.lock'), stringify(lock));
  const live = await runCli(['render', dir], { env: env() });
  assert.is(live.code, 3);
  assert.is(live.stdout, '');
  const notListed = `signatures on its index ${signedIdx.digest} do not count: the index lists ${elsewhere.digest} for linux/amd64, not ${amd64.digest}`;
  assert.equal(diagnostics(live.stderr), [`ext.yaml:4:8: error: image ${ref} is not verified: ${noSignature}; ${notListed} (field spec.image)`, 'meshext: 1 error; nothing was written']);

  lock.images[ref].verified = [{ policy: 'platform', by: `key ${key.id}`, signedDigest: signedIdx.digest, index: signedIdx.manifest.toString('base64'), evidence: [await evidenceOf(sig[0]!)] }];
  writeFileSync(join(dir, 'meshext.lock'), stringify(lock));
  const offline = await runCli(['render', dir, '--offline'], { env: env() });
  assert.is(offline.code, 3);
  assert.is(offline.stdout, '');
  const offlineWhy = `the lock's evidence no longer satisfies policy platform: no signature for ${ref}@${amd64.digest}; policy platform wants key ${key.id}; ${notListed}`;
  assert.equal(diagnostics(offline.stderr), [`ext.yaml:4:8: error: image ${ref} is not verified: ${offlineWhy}, and --offline forbids the network; run meshext lock (field spec.image)`, 'meshext: 1 error; nothing was written']);
});

test('a registry with token auth: render, lock, verify and an offline render of a signed image; no password, auth string or token in any output or the lock', async () => {
  const treg = await startRegistry({ auth: 'token' });
  try {
    const key = newKey('p256');
    const img = await compatImage(treg, 'private/signed');
    await signClassic(treg, 'private/signed', img.digest, [key]);
    const ref = `${treg.host}/private/signed:v1`;
    const dockerConfig = tempDir();
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [treg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const dir = repoWith({ 'mesh.yaml': mesh(`policies:\n- name: platform\n  images: ["${treg.host}/private/**"]\n  keys: [cosign.pub]`), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', ref) });
    const e = env(tempDir(), { DOCKER_CONFIG: dockerConfig });
    const anonymous = await runCli(['render', dir], { env: env() });
    assert.is(anonymous.code, 3);
    const r = await runCli(['render', dir], { env: e });
    assert.is(r.code, 0, r.stderr);
    assert.equal(verifiedBy(r.stdout), { 'WasmPlugin/ext': `key ${key.id}` });
    const l = await runCli(['lock', dir], { env: e });
    assert.is(l.code, 0, l.stderr);
    const v = await runCli(['verify', dir, '--format', 'json'], { env: e });
    assert.is(v.code, 0, v.stderr);
    const offline = await runCli(['render', dir, '--offline'], { env: env() });
    assert.is(offline.code, 0, offline.stderr);
    assert.is(offline.stdout, r.stdout);
    assert.ok(treg.issuedTokens.length > 0, 'the registry issued tokens');
    const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), ...treg.issuedTokens];
    const everything = [anonymous, r, l, v, offline].flatMap((x) => [x.stdout, x.stderr]).join('\n') + readFileSync(join(dir, 'meshext.lock'), 'utf8');
    for (const s of secrets) assert.not.ok(everything.includes(s), 'a secret leaked');
  } finally {
    await treg.stop();
  }
});

test('attestations: a policy wanting SLSA provenance is satisfied by a classic .att (DSSE, signed with the key) and not by a plain signature; the lock keeps the attestation and an offline render re-verifies it', async () => {
  const key = newKey('p256');
  const img = await compatImage(reg, 'trust/attested');
  const plain = await compatImage(reg, 'trust/attested-plain');
  const att = classicAttLayer(img.digest, key, SLSA_PROVENANCE);
  await pushClassic(reg, 'trust/attested', img.digest, [att], 'att');
  await signClassic(reg, 'trust/attested-plain', plain.digest, [key]);
  const trust = `policies:\n- name: provenance\n  images: ["${reg.host}/trust/attested*:*"]\n  keys: [cosign.pub]\n  attestations: [{predicateType: "${SLSA_PROVENANCE}"}]`;
  const ref = `${reg.host}/trust/attested:v1`;
  const dir = repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', ref) });
  assert.is((await runCli(['lock', dir], { env: env() })).code, 0);
  assert.equal(lockOf(dir).images[ref].verified, [{ policy: 'provenance', by: `key ${key.id}`, signedDigest: img.digest, evidence: [await evidenceOf(att)] }]);
  const offline = await runCli(['render', dir, '--offline', '--locked'], { env: env() });
  assert.is(offline.code, 0, offline.stderr);
  assert.is(offline.stderr, '');
  assert.equal(verifiedBy(offline.stdout), { 'WasmPlugin/ext': `key ${key.id}` });

  const plainRef = `${reg.host}/trust/attested-plain:v1`;
  const r = await runCli(['render', repoWith({ 'mesh.yaml': mesh(trust), 'cosign.pub': key.pem, 'ext.yaml': extension('ext', plainRef) })], { env: env() });
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.is(
    diagnostics(r.stderr)[0],
    `ext.yaml:4:8: error: image ${plainRef} is not verified: no verified attestation of type ${SLSA_PROVENANCE} for ${plainRef}@${plain.digest} from an authority of the policy (found: signature by key ${key.id}); policy provenance wants key ${key.id}, with attestations ${SLSA_PROVENANCE} (field spec.image)`,
  );
});

test('twenty images signed in both formats (classic .sig, and cosign v3 key-signed statements as referrers), verified side by side: the same output and lock on every run, and from the lock offline', async () => {
  const key = newKey('p256');
  const files: Record<string, string> = { 'mesh.yaml': mesh(`policies:\n- name: platform\n  images: ["${reg.host}/trust/many/**"]\n  keys: [cosign.pub]`), 'cosign.pub': key.pem };
  const docsText: string[] = [];
  for (let i = 0; i < 20; i++) {
    const repo = `trust/many/m${i}`;
    const img = await compatImage(reg, repo);
    if (i % 2 === 0) await signClassic(reg, repo, img.digest, [key]);
    else await attachReferrer(reg, repo, img.digest, referrer(subjectOf(img), { bundle: await keyBundle(key, statement(img.digest), { dsse: true }) }));
    docsText.push(extension(`m${i}`, `${reg.host}/${repo}:v1`));
  }
  files['ext.yaml'] = docsText.join('---\n');
  const dir = repoWith(files);
  const first = await runCli(['lock', dir], { env: env() });
  assert.is(first.code, 0, first.stderr);
  const lockText = readFileSync(join(dir, 'meshext.lock'), 'utf8');
  const lock = lockOf(dir);
  for (let i = 0; i < 20; i++) {
    const v = lock.images[`${reg.host}/trust/many/m${i}:v1`].verified;
    assert.equal([v.length, v[0].by, v[0].evidence[0].at], [1, `key ${key.id}`, i % 2 === 0 ? '.sig tag' : 'referrers tag'], `m${i}`);
  }
  const again = await runCli(['lock', dir], { env: env() });
  assert.is(again.code, 0, again.stderr);
  assert.is(readFileSync(join(dir, 'meshext.lock'), 'utf8'), lockText);
  const online = await runCli(['render', dir, '--locked'], { env: env() });
  assert.is(online.code, 0, online.stderr);
  assert.is(online.stderr, '');
  assert.equal(new Set(Object.values(verifiedBy(online.stdout))), new Set([`key ${key.id}`]));
  assert.is(docs(online.stdout).length, 20);
  const offline = await runCli(['render', dir, '--offline', '--locked'], { env: env() });
  assert.is(offline.code, 0, offline.stderr);
  assert.is(offline.stdout, online.stdout);
});

test('validate checks what needs no signature, offline: an image no policy covers, or a file:// module a policy covers, is invalid (exit 1); covered images are not looked up', async () => {
  const key = newKey('p256');
  const covered = `registry.example.com/covered/x@sha256:${'b'.repeat(64)}`;
  const stray = `registry.example.com/other/x@sha256:${'a'.repeat(64)}`;
  const files = { 'mesh.yaml': mesh(`policies:\n- name: p\n  images: ["registry.example.com/covered/**", "file:///**"]\n  keys: [k.pub]`), 'k.pub': key.pem };
  const ok = await runCli(['validate', repoWith({ ...files, 'ext.yaml': extension('a', covered) })], { env: env() });
  assert.is(ok.code, 0, ok.stderr);
  const cases: [string, string][] = [
    [stray, `image ${stray} matches no trust policy (p), and spec.trust.unmatched is deny: add it to a policy's images, or set unmatched: allow`],
    ['file:///opt/filters/x.wasm', "image file:///opt/filters/x.wasm is a file:// module, read from the proxy's own disk and never fetched, so its signature cannot be checked; trust policies p cover it"],
  ];
  for (const [image, message] of cases) {
    const r = await runCli(['validate', repoWith({ ...files, 'ext.yaml': extension('a', covered) + '---\n' + extension('b', image) })], { env: env() });
    assert.is(r.code, 1, image);
    assert.is(r.stdout, '');
    assert.equal(diagnostics(r.stderr), [`ext.yaml:9:8: error: ${message} (field spec.image)`, 'meshext: 1 error; nothing was written']);
  }
});


test.run();
