// Secrets never leave meshext: passwords and `auth` strings from a docker config, identity tokens,
// REGISTRY_AUTH_FILE entries, credential-helper secrets (including a helper that prints its
// secret on stderr and fails) and the bearer tokens token servers issue. Renders, locks and
// --locked checks run through the built CLI against real registries (Basic and token auth) and
// fake servers that echo the Authorization header back; every success and every failure path is
// searched, in stdout, stderr, the lock, every file name and file under the sandbox (the cache
// included), and the messages and log lines of the resolver called in-process, for every
// secret, its base64, and any 10-character piece of it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createLiveResolver } from '../src/resolve/live-resolver.ts';
import { parseImageRef } from '../src/resolve/reference.ts';
import type { ImageRef } from '../src/resolve/reference.ts';
import { fsImage, push, wasm } from './_images.ts';
import { PASSWORD, REFRESH_TOKEN, startRegistry, tempDir, USER } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { declare, ensureBuilt, loud, meshext, readTree, sandbox } from './fixtures/hostile/_harness.ts';
import type { Run } from './fixtures/hostile/_harness.ts';

// Every secret a test hands meshext, besides PASSWORD, REFRESH_TOKEN and the issued tokens.
const S = {
  wrongAuth: 'wrongAuth-Pw-5e1c9f',
  wrongTokenPw: 'wrongTokenPw-77a0b3',
  wrongRefresh: 'wrongRefresh-Tk-0c4d2e',
  helperStderr: 'helperStderr-Secret-9a8b7c',
  helperStdout: 'helperStdout-Secret-3f2e1d',
  helperGarbage: 'helperGarbage-Secret-6d5c4b',
  authFileWrong: 'authFileWrong-Pw-1a2b3c',
  fakeBasic: 'fakeBasic-Pw-8e9f0a',
  fakeTokenPw: 'fakeTokenPw-4b5c6d',
  fakeToken: `fakeOpaqueToken-${'k7Q2'.repeat(60)}-end`,
};

let basic: TestRegistry;
let token: TestRegistry;
/** Everything meshext printed, wrote or returned, from every test, searched at the end. */
const outputs: { where: string; text: string }[] = [];

test.before(
  loud(async () => {
    ensureBuilt();
    [basic, token] = await Promise.all([startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' })]);
    const img = fsImage([[{ name: 'plugin.wasm', data: wasm('private') }]]);
    await Promise.all([push(basic, 'private/compat', 'latest', img), push(token, 'private/compat', 'latest', img)]);
  }),
);
test.after(async () => {
  await Promise.all([basic.stop(), token.stop()]);
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Credentials live outside the sandbox, so every file inside it may be searched. */
function credentials(config: object, extra: { authFile?: object; helpers?: Record<string, string> } = {}): Record<string, string> {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const env: Record<string, string> = { DOCKER_CONFIG: dir };
  if (extra.authFile) {
    env.REGISTRY_AUTH_FILE = join(dir, 'auth.json');
    writeFileSync(env.REGISTRY_AUTH_FILE, JSON.stringify(extra.authFile));
  }
  if (extra.helpers) {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const [name, script] of Object.entries(extra.helpers)) {
      writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${script}\n`);
      chmodSync(join(bin, `docker-credential-${name}`), 0o755);
    }
    env.PATH = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  }
  return env;
}

/** Runs the CLI in a fresh sandbox; records stdout, stderr and every file the sandbox holds afterwards. */
async function run(name: string, args: readonly string[], images: readonly string[], creds: Record<string, string>, work?: string): Promise<Run & { work: string }> {
  const sb = sandbox();
  const dir = work ?? declare(sb.work, images);
  const r = await meshext(args, { env: sb.env(creds), cwd: dir });
  outputs.push({ where: `${name}: stdout`, text: r.stdout }, { where: `${name}: stderr`, text: r.stderr });
  for (const root of [sb.root, dir]) for (const [file, bytes] of readTree(root)) outputs.push({ where: `${name}: ${root}/${file}`, text: `${file}\n${bytes.toString('latin1')}` });
  return { ...r, work: dir };
}

const ref = (s: string): ImageRef => (parseImageRef(s) as { ref: ImageRef }).ref;

/** The same failure in-process: the resolver's messages, its log lines, and anything thrown. */
async function inProcess(name: string, image: string, env: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  let message = '';
  try {
    const resolver = createLiveResolver({ cacheDir: tempDir(), env, insecureRegistries: [], retry: { attempts: 2, baseDelayMs: 5 }, log: (l) => void lines.push(l) });
    const got = (await resolver.resolveAll([ref(image)])).get(ref(image).canonical) as { message?: string };
    const now = (await resolver.currentDigest(ref(image))) as { message?: string } | string;
    message = [got.message ?? '', typeof now === 'string' ? now : (now.message ?? '')].join('\n');
  } catch (e) {
    message = `thrown: ${(e as Error).stack ?? String(e)}`;
  }
  outputs.push({ where: `${name}: in-process`, text: [message, ...lines].join('\n') });
  return message;
}

test('success: auths.auth (Basic) and an identitytoken (OAuth refresh) render, lock and --locked without a trace', async () => {
  const images = [`${basic.host}/private/compat:latest`, `${token.host}/private/compat:latest`];
  const creds = credentials({ auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) }, [token.host]: { identitytoken: REFRESH_TOKEN } } });
  const rendered = await run('auths+identitytoken render', ['render', '.'], images, creds);
  assert.is(rendered.code, 0, rendered.stderr);
  const locked = await run('auths+identitytoken lock', ['lock', '.'], images, creds, rendered.work);
  assert.is(locked.code, 0, locked.stderr);
  const strict = await run('auths+identitytoken --locked', ['render', '.', '--locked'], images, creds, rendered.work);
  assert.is(strict.code, 0, strict.stderr);
  assert.is(strict.stdout, rendered.stdout);
  assert.ok(token.tokenRequests.some((t) => t.method === 'POST' && t.user === USER), 'the refresh token was exchanged');
});

test('success: a credential helper (Basic) and REGISTRY_AUTH_FILE (Basic to the token server)', async () => {
  const images = [`${basic.host}/private/compat:latest`, `${token.host}/private/compat:latest`];
  const creds = credentials(
    { credHelpers: { [basic.host]: 'good' } },
    { authFile: { auths: { [token.host]: { username: USER, password: PASSWORD } } }, helpers: { good: `read server\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"` } },
  );
  const r = await run('helper+authfile render', ['render', '.'], images, creds);
  assert.is(r.code, 0, r.stderr);
  assert.ok(token.tokenRequests.some((t) => t.method === 'GET' && t.user === USER), 'Basic credentials went to the token server');
});

test('failure: wrong passwords, refused tokens, failing and babbling credential helpers', async () => {
  const b = `${basic.host}/private/compat:latest`;
  const t = `${token.host}/private/compat:latest`;
  const cases: Record<string, { image: string; creds: Record<string, string>; error: string }> = {
    'wrong auths.auth': { image: b, creds: credentials({ auths: { [basic.host]: { auth: b64(`${USER}:${S.wrongAuth}`) } } }), error: '401 Unauthorized: the registry rejected the credentials' },
    'token server 401': {
      image: t,
      creds: credentials({ auths: { [token.host]: { username: USER, password: S.wrongTokenPw } } }),
      error: `the token server of ${token.host} refused the credentials (HTTP 401) for repository:private/compat:pull`,
    },
    'refresh token refused': {
      image: t,
      creds: credentials({ auths: { [token.host]: { identitytoken: S.wrongRefresh } } }),
      error: `the token server of ${token.host} refused the credentials (HTTP 401) for repository:private/compat:pull`,
    },
    'helper fails, secret on stderr': {
      image: b,
      creds: credentials({ credHelpers: { [basic.host]: 'loud' } }, { helpers: { loud: `printf '{"Secret":"${S.helperStdout}"' \necho "cannot unlock: ${S.helperStderr}" >&2\nexit 1` } }),
      error: `credential helper docker-credential-loud failed (exit status 1) for ${basic.host}`,
    },
    'helper prints garbage': {
      image: b,
      creds: credentials({ credHelpers: { [basic.host]: 'garbage' } }, { helpers: { garbage: `echo "Secret=${S.helperGarbage} (not JSON)"` } }),
      error: 'credential helper docker-credential-garbage printed something that is not JSON',
    },
    'REGISTRY_AUTH_FILE wrong password': {
      image: b,
      creds: credentials({}, { authFile: { auths: { [basic.host]: { auth: b64(`${USER}:${S.authFileWrong}`) } } } }),
      error: '401 Unauthorized: the registry rejected the credentials',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const r = await run(name, ['render', '.'], [c.image], c.creds);
    assert.is(r.code, 3, `${name}: ${r.stderr}`);
    assert.is(r.stdout, '');
    assert.ok(r.stderr.includes(`error: image ${c.image}: `) && r.stderr.includes(c.error), `${name}: ${r.stderr}`);
    const l = await run(`${name} (lock)`, ['lock', '.'], [c.image], c.creds);
    assert.is(l.code, 3, `${name} lock: ${l.stderr}`);
    assert.ok(await inProcess(name, c.image, c.creds));
  }
});

/** A registry that demands credentials, then answers 500 with the Authorization header echoed in a long error message. */
async function echoingRegistry(scheme: 'basic' | 'bearer'): Promise<{ host: string; close(): void }> {
  let host = '';
  const echo = (req: IncomingMessage, res: ServerResponse): void => {
    const sent = req.headers.authorization ?? '';
    const raw = sent.replace(/^\S+ /, '');
    const decoded = scheme === 'basic' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    // The padding puts the 300-character cut of a registry message inside the echoed value.
    const message = `${'x'.repeat(250)} you sent ${raw} which is ${decoded}`;
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message, detail: { authorization: sent } }], authorization: sent }));
  };
  const server = createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/token')) {
      if (req.headers.authorization !== `Basic ${b64(`${USER}:${S.fakeTokenPw}`)}`) return echo(req, res);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: S.fakeToken, expires_in: 300 }));
    }
    if (!req.headers.authorization) {
      const challenge = scheme === 'basic' ? 'Basic realm="fake"' : `Bearer realm="http://${host}/token",service="fake"`;
      return void res.writeHead(401, { 'www-authenticate': challenge }).end();
    }
    echo(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('fake server: a registry (and a token server) that echo the Authorization header in a 500 body', async () => {
  const basicEcho = await echoingRegistry('basic');
  const bearerEcho = await echoingRegistry('bearer');
  const tokenEcho = await echoingRegistry('bearer');
  try {
    const digest = `@sha256:${'0'.repeat(64)}`; // a digest reference is fetched with GET, whose error body is read
    const cases: Record<string, { image: string; creds: Record<string, string> }> = {
      'registry echoes Basic': { image: `${basicEcho.host}/r${digest}`, creds: credentials({ auths: { [basicEcho.host]: { username: USER, password: S.fakeBasic } } }) },
      'registry echoes Bearer': { image: `${bearerEcho.host}/r${digest}`, creds: credentials({ auths: { [bearerEcho.host]: { username: USER, password: S.fakeTokenPw } } }) },
      'token server echoes Basic': { image: `${tokenEcho.host}/r${digest}`, creds: credentials({ auths: { [tokenEcho.host]: { username: USER, password: S.fakeBasic } } }) },
    };
    for (const [name, c] of Object.entries(cases)) {
      const r = await run(name, ['render', '.'], [c.image], c.creds);
      assert.is(r.code, 3, `${name}: ${r.stderr}`);
      assert.is(r.stdout, '');
      assert.match(r.stderr, /500 Internal Server Error: DENIED: x+ you sent/, `${name}: ${r.stderr}`);
      assert.ok(await inProcess(name, c.image, c.creds));
    }
  } finally {
    basicEcho.close();
    bearerEcho.close();
    tokenEcho.close();
  }
});

test('no secret, nor its base64, nor any 10-character piece of it, in anything meshext printed or wrote', () => {
  const plain = [PASSWORD, REFRESH_TOKEN, ...Object.values(S)];
  const forms = new Set<string>();
  for (const s of plain) {
    for (const f of [s, b64(s), Buffer.from(s).toString('base64url'), encodeURIComponent(s), b64(`${USER}:${s}`)]) forms.add(f);
    for (let i = 0; i + 10 <= s.length; i++) forms.add(s.slice(i, i + 10));
    // Pieces of the Basic value past its first 12 characters, which encode only the (public) user name.
    const basicValue = b64(`${USER}:${s}`);
    for (let i = 12; i + 10 <= basicValue.length; i++) forms.add(basicValue.slice(i, i + 10));
  }
  // Issued JWTs: whole, and pieces of the signature, the part that is secret (header and claims are public metadata).
  assert.ok(token.issuedTokens.length > 0);
  for (const jwt of token.issuedTokens) {
    forms.add(jwt);
    const signature = jwt.split('.')[2]!;
    for (let i = 0; i + 16 <= signature.length; i += 4) forms.add(signature.slice(i, i + 16));
  }
  assert.ok(outputs.length > 50, `${outputs.length} outputs searched`);
  const leaks: string[] = [];
  for (const o of outputs) for (const f of forms) if (o.text.includes(f)) leaks.push(`${JSON.stringify(f)} in ${o.where}`);
  assert.equal(leaks.slice(0, 20), []);
});

test.run();
