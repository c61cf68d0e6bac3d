// The resolution part of `npm run bench` (README, "Performance"): 20 distinct images on a real registry
// (Debian's docker-registry, started as the resolve tests start it) behind a proxy that answers
// every request 200 ms late. Each scenario is a whole `meshext` process with its own cache dir.
// Run by scripts/bench.mjs as `node --import tsx scripts/bench/resolve.ts <dist bin> <work dir>`;
// prints one JSON object on stdout.
//
//   cold-1        one image, empty cache, no lock: the time one image's resolution takes
//   cold-20       20 images, empty cache, no lock: target < 3 × cold-1
//   warm-lock     render after `meshext lock` (the GitOps set-up): target 0 requests
//   warm-digest   references pinned by digest, no lock, cache warm: 0 requests (the cache is keyed by digest)
//   warm-tag      tags, no lock, cache warm (for information: a tag must be asked for)
//   cold-20-signed  the same 20 images, each signed with one P-256 key (even ones a cosign classic
//                 `.sig`, odd ones a key-signed Sigstore bundle attached as a referrer), rendered by a
//                 Mesh whose spec.trust names that key: target ≤ 1.5 × cold-20
//   trust-locked  after `meshext lock` (evidence under verified:), render --offline with that policy
//                 beside the same repository and lock without spec.trust, many rounds side by side:
//                 target ≤ 10 ms more; for information also a keyless policy (@sigstore/mock
//                 bundles, the mock's trusted root beside the Mesh)

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { startRegistry } from '../../test/_registry.ts';
import { artifact, fsImage, push, wasm } from '../../test/_images.ts';
import type { BuiltImage } from '../../test/_images.ts';
import { ACME_RELEASE, GITHUB_ISSUER, classicSigLayer, keyBundle, mockKeyless, newKey, simpleSigningPayload, statement } from '../../test/_sigstore.ts';
import { attachReferrer, pushClassic, referrer, subjectOf } from '../../test/_signatures-oci.ts';
import { runProcess, sideBySide } from './measure.mjs';

const DELAY_MS = 200;
const IMAGES = 20;
const RUNS = Number(process.env.BENCH_RESOLVE_RUNS ?? 3);
/** Rounds of the locked trust renders (a few ms apart, so many rounds), after TRUST_WARMUP uncounted ones. */
const TRUST_RUNS = Number(process.env.BENCH_TRUST_RUNS ?? 21);
const TRUST_WARMUP = 3;
const [bin = 'dist/meshext.cjs', work = '.bench/resolve'] = process.argv.slice(2);

interface Sample {
  readonly wallMs: number;
  readonly requests: number;
  readonly code: number | null;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const registry = await startRegistry();
  let count = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const [regHost, regPort] = registry.host.split(':') as [string, string];
  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    setTimeout(() => {
      const up = request({ host: regHost, port: Number(regPort), method: req.method, path: req.url, headers: { ...req.headers, host: registry.host }, agent }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(up);
    }, DELAY_MS);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
  try {
    // Half Wasm OCI artifacts, half compat images: both formats' pull paths are timed.
    const name = (k: number): string => `ext-${String(k).padStart(2, '0')}`;
    const images: BuiltImage[] = Array.from({ length: IMAGES }, (_, k) => {
      const module = wasm(`bench-${name(k)}`);
      return k % 2 === 0 ? artifact(module, { rootIds: [`root_${k}`] }) : fsImage([[{ name: 'plugin.wasm', data: module }]]);
    });
    const digests = images.map((img) => img.digest);
    // Keyless bundles first: @sigstore/mock answers through nock, closed before any registry request.
    const keyless = await mockKeyless();
    const keylessBundles: object[] = [];
    for (const d of digests) keylessBundles.push(await keyless.signStatement(statement(d)));
    const keylessRoot = keyless.trustedRootJson;
    await keyless.close();
    for (let k = 0; k < IMAGES; k++) await push(registry, `bench/${name(k)}`, '1.0', images[k]!);
    // Every image signed with one P-256 key, as cosign signs: even ones in the classic `.sig`
    // layout (cosign v2), odd ones as a key-signed bundle of cosign v3's signed statement attached
    // as a referrer (docker-registry 2.8 has no referrers API: the `sha256-<hex>` tag index).
    const key = newKey('p256');
    for (let k = 0; k < IMAGES; k++) {
      const repoName = `bench/${name(k)}`;
      if (k % 2 === 0) await pushClassic(registry, repoName, digests[k]!, [classicSigLayer(digests[k]!, key, { payload: simpleSigningPayload(digests[k]!, { reference: `${host}/${repoName}` }) })]);
      else await attachReferrer(registry, repoName, digests[k]!, referrer(subjectOf(images[k]!), { bundle: await keyBundle(key, statement(digests[k]!), { dsse: true }) }));
    }
    const ref = (k: number, pinned: boolean): string => `${host}/bench/${name(k)}${pinned ? `@${digests[k]}` : ':1.0'}`;
    const baseMesh = 'apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata: {name: bench}\nspec:\n  istioVersion: "1.24"\n  namespaces:\n  - {name: shop, labels: {team: shop}}\n';
    const keyTrust = `  trust:\n    policies:\n    - name: bench\n      images: ["${host}/bench/**"]\n      keys: [cosign.pub]\n`;
    const keylessTrust = `  trust:\n    trustedRoot: trusted_root.json\n    policies:\n    - name: bench-ci\n      images: ["${host}/bench/**"]\n      keyless:\n      - issuer: ${GITHUB_ISSUER}\n        subject: ${ACME_RELEASE.subject}\n`;
    const repo = (dirName: string, n: number, pinned: boolean, trust = ''): string => {
      const dir = join(work, dirName);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const exts = Array.from({ length: n }, (_, k) => `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ext-${k}, namespace: istio-system}\nspec:\n  image: ${ref(k, pinned)}\n  phase: AUTHZ\n  priority: ${k}\n`);
      writeFileSync(join(dir, 'mesh.yaml'), baseMesh + trust);
      writeFileSync(join(dir, 'extensions.yaml'), exts.join('---\n'));
      if (trust === keyTrust) writeFileSync(join(dir, 'cosign.pub'), key.pem);
      if (trust === keylessTrust) writeFileSync(join(dir, 'trusted_root.json'), keylessRoot);
      return dir;
    };
    const run = async (args: string[], cache: string): Promise<Sample> => {
      const before = count;
      const t0 = process.hrtime.bigint();
      const code = await new Promise<number | null>((done) => {
        const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache } });
        let err = '';
        child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
        child.once('close', (c) => {
          if (c !== 0) process.stderr.write(`meshext ${args.join(' ')} exited ${c}:\n${err}\n`);
          done(c);
        });
      });
      return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, requests: count - before, code };
    };
    const fresh = (name: string): string => {
      const d = resolve(work, 'cache', name);
      rmSync(d, { recursive: true, force: true });
      return d;
    };
    const one = repo('one', 1, false);
    const twenty = repo('twenty', IMAGES, false);
    const twentySigned = repo('twenty-signed', IMAGES, false, keyTrust);
    const cold1: Sample[] = [];
    const cold20: Sample[] = [];
    const cold20Signed: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      cold1.push(await run(['render', one], fresh(`one-${i}`)));
      cold20.push(await run(['render', twenty], fresh(`twenty-${i}`)));
      cold20Signed.push(await run(['render', twentySigned], fresh(`twenty-signed-${i}`)));
    }
    // Under an enforced policy, exit 0 means every image verified.
    if (cold20Signed.some((s) => s.code !== 0)) throw new Error('cold-20-signed: a render failed (above)');
    const warmCache = resolve(work, 'cache', `twenty-${RUNS - 1}`);
    const locked = repo('locked', IMAGES, false);
    const lockRun = await run(['lock', locked], fresh('lock'));
    const warmLock = await run(['render', locked], fresh('lock-render'));
    const warmLockOffline = await run(['render', locked, '--offline'], fresh('lock-offline'));
    const warmDigest = await run(['render', repo('pinned', IMAGES, true)], warmCache);
    const warmTag = await run(['render', twenty], warmCache);
    const summary = (xs: Sample[]) => ({ wallMs: Math.round(median(xs.map((s) => s.wallMs))), requests: median(xs.map((s) => s.requests)), ok: xs.every((s) => s.code === 0), runs: xs.length });
    // Locked, warm renders with a policy beside the same repository without one: whole processes,
    // side by side, many rounds. Each repository is locked on its own (the plain one's lock has no
    // evidence), and each renders --offline with the cache its lock filled.
    const plainDir = repo('trust-plain', IMAGES, false);
    const keyDir = repo('trust-key', IMAGES, false, keyTrust);
    const keylessDir = repo('trust-keyless', IMAGES, false, keylessTrust);
    const caches = { plain: fresh('trust-plain'), key: fresh('trust-key'), keyless: fresh('trust-keyless') };
    const locks = [await run(['lock', plainDir], caches.plain), await run(['lock', keyDir], caches.key)];
    // The keyless bundles join the same images only now, so the figures above never read them.
    for (let k = 0; k < IMAGES; k++) await attachReferrer(registry, `bench/${name(k)}`, digests[k]!, referrer(subjectOf(images[k]!), { bundle: keylessBundles[k] }));
    locks.push(await run(['lock', keylessDir], caches.keyless));
    if (locks.some((l) => l.code !== 0)) throw new Error('meshext lock failed (above)');
    const trustDirs = { plain: plainDir, key: keyDir, keyless: keylessDir };
    const commands: Record<string, { argv: string[]; env: NodeJS.ProcessEnv; bytes: number }> = {};
    for (const [variant, dir] of Object.entries(trustDirs)) {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: caches[variant as keyof typeof caches] };
      const argv = [process.execPath, bin, 'render', dir, '--offline'];
      const first = await runProcess(argv, { capture: true, env });
      const verifiedBy = first.stdout?.toString('utf8').match(/meshext\.dev\/verified-by: /g)?.length ?? 0;
      const evidence = readFileSync(join(dir, 'meshext.lock'), 'utf8').match(/^ {4}verified:$/gm)?.length ?? 0;
      const want = variant === 'plain' ? 0 : IMAGES;
      if (first.code !== 0 || first.stderr !== '' || verifiedBy !== want || evidence !== want) {
        throw new Error(`trust-locked ${variant}: exit ${first.code}, ${verifiedBy} resources verified-by and ${evidence} lock entries with evidence (want ${want} each), stderr: ${first.stderr.slice(0, 2000)}`);
      }
      commands[variant] = { argv, env, bytes: first.bytes };
    }
    const trustLocked = { ...(await sideBySide(commands, { warmup: TRUST_WARMUP, runs: TRUST_RUNS })), lockKeyMs: Math.round(locks[1]!.wallMs), lockKeylessMs: Math.round(locks[2]!.wallMs) };
    const out = {
      delayMs: DELAY_MS,
      images: IMAGES,
      cold1: summary(cold1),
      cold20: summary(cold20),
      cold20Signed: summary(cold20Signed),
      trustLocked,
      lock: summary([lockRun]),
      warmLock: summary([warmLock]),
      warmLockOffline: summary([warmLockOffline]),
      warmDigest: summary([warmDigest]),
      warmTag: summary([warmTag]),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    proxy.closeAllConnections();
    proxy.close();
    agent.destroy();
    await registry.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
