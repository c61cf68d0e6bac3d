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

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { startRegistry } from '../../test/_registry.ts';
import { artifact, fsImage, push, wasm } from '../../test/_images.ts';

const DELAY_MS = 200;
const IMAGES = 20;
const RUNS = Number(process.env.BENCH_RESOLVE_RUNS ?? 3);
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
    const digests: string[] = [];
    for (let k = 0; k < IMAGES; k++) {
      const name = `ext-${String(k).padStart(2, '0')}`;
      const module = wasm(`bench-${name}`);
      const img = k % 2 === 0 ? artifact(module, { rootIds: [`root_${k}`] }) : fsImage([[{ name: 'plugin.wasm', data: module }]]);
      digests.push(await push(registry, `bench/${name}`, '1.0', img));
    }
    const ref = (k: number, pinned: boolean): string => `${host}/bench/ext-${String(k).padStart(2, '0')}${pinned ? `@${digests[k]}` : ':1.0'}`;
    const repo = (name: string, n: number, pinned: boolean): string => {
      const dir = join(work, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const mesh = 'apiVersion: meshext.dev/v1alpha1\nkind: Mesh\nmetadata: {name: bench}\nspec:\n  istioVersion: "1.24"\n  namespaces:\n  - {name: shop, labels: {team: shop}}\n';
      const exts = Array.from({ length: n }, (_, k) => `apiVersion: meshext.dev/v1alpha1\nkind: Extension\nmetadata: {name: ext-${k}, namespace: istio-system}\nspec:\n  image: ${ref(k, pinned)}\n  phase: AUTHZ\n  priority: ${k}\n`);
      writeFileSync(join(dir, 'mesh.yaml'), mesh);
      writeFileSync(join(dir, 'extensions.yaml'), exts.join('---\n'));
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
    const cold1: Sample[] = [];
    const cold20: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      cold1.push(await run(['render', one], fresh(`one-${i}`)));
      cold20.push(await run(['render', twenty], fresh(`twenty-${i}`)));
    }
    const warmCache = resolve(work, 'cache', `twenty-${RUNS - 1}`);
    const locked = repo('locked', IMAGES, false);
    const lockRun = await run(['lock', locked], fresh('lock'));
    const warmLock = await run(['render', locked], fresh('lock-render'));
    const warmLockOffline = await run(['render', locked, '--offline'], fresh('lock-offline'));
    const warmDigest = await run(['render', repo('pinned', IMAGES, true)], warmCache);
    const warmTag = await run(['render', twenty], warmCache);
    const summary = (xs: Sample[]) => ({ wallMs: Math.round(median(xs.map((s) => s.wallMs))), requests: median(xs.map((s) => s.requests)), ok: xs.every((s) => s.code === 0), runs: xs.length });
    const out = {
      delayMs: DELAY_MS,
      images: IMAGES,
      cold1: summary(cold1),
      cold20: summary(cold20),
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
