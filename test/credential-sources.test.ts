// Every place users keep registry credentials, each proven by a render and a lock through the
// built CLI against real registries (htpasswd Basic auth, and token auth with and without OAuth
// POST): REGISTRY_AUTH_FILE, DOCKER_CONFIG, XDG_RUNTIME_DIR and XDG_CONFIG_HOME auth.json,
// ~/.docker/config.json, ~/.dockercfg, repository keys, credHelpers, credsStore, identitytoken and
// registrytoken. Where two files disagree, the earlier one in the documented order wins, whether
// its password is right (the pull succeeds) or wrong (the registry refuses it). Credentials live
// outside the sandbox, so every file in it (cache and lock included) is searched for secrets.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsImage, push, wasm } from './_images.ts';
import { PASSWORD, REFRESH_TOKEN, startRegistry, tempDir, USER } from './_registry.ts';
import type { TestRegistry } from './_registry.ts';
import { declare, ensureBuilt, loud, meshext, readTree, sandbox } from './fixtures/hostile/_harness.ts';

let basic: TestRegistry;
let token: TestRegistry;
/** A token server that answers the OAuth POST with 404, so identity tokens go by GET. */
let getOnly: TestRegistry;
const digests: Record<string, string> = {};
const outputs: { where: string; text: string }[] = [];
const secrets = new Set<string>([PASSWORD, REFRESH_TOKEN]);

test.before(
  loud(async () => {
    ensureBuilt();
    [basic, token, getOnly] = await Promise.all([startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' }), startRegistry({ auth: 'token', oauth: false })]);
    const pushes: Promise<void>[] = [];
    for (const reg of [basic, token, getOnly]) {
      for (const repo of ['private/compat', 'team/a/plugin']) {
        pushes.push(push(reg, repo, 'latest', fsImage([[{ name: 'plugin.wasm', data: wasm(repo) }]])).then((d) => void (digests[repo] = d)));
      }
    }
    await Promise.all(pushes);
  }),
);
test.after(async () => {
  await Promise.all([basic.stop(), token.stop(), getOnly.stop()]);
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
/** A wrong password, distinct per use; `name` only says what it is for. */
const wrong = (name: string): string => {
  const s = `wrong-${randomBytes(6).toString('hex')}-${name.length}`;
  secrets.add(s);
  return s;
};
const entry = (password: string): object => ({ auth: b64(`${USER}:${password}`) });

/**
 * A temporary home outside the sandbox: `files` maps paths under it to JSON (or script text for
 * `bin/…`); `env` values may name `{root}`. HOME is always `{root}/home`.
 */
function credentials(files: Record<string, unknown>, env: Record<string, string> = {}): Record<string, string> {
  const root = tempDir();
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
    if (path.startsWith('bin/')) chmodSync(full, 0o755);
  }
  const out: Record<string, string> = { HOME: join(root, 'home'), PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  for (const [k, v] of Object.entries(env)) out[k] = v.replaceAll('{root}', root);
  return out;
}

/** render, then lock, of one image in a fresh sandbox; everything printed or written is kept for the leak check. */
async function pull(name: string, image: string, creds: Record<string, string>, lock = true): Promise<{ code: number | null; stderr: string; lock: string }> {
  const sb = sandbox();
  declare(sb.work, [image]);
  const runs = [['render', '.'], ...(lock ? [['lock', '.']] : [])];
  let first: { code: number | null; stderr: string } | undefined;
  for (const args of runs) {
    const r = await meshext(args, { env: sb.env(creds), cwd: sb.work });
    outputs.push({ where: `${name} ${args[0]}: stdout`, text: r.stdout }, { where: `${name} ${args[0]}: stderr`, text: r.stderr });
    if (r.code !== 0) assert.is(r.stdout, '', `${name}: nothing on stdout after a failure`);
    first ??= r;
    if (r.code !== 0) break;
  }
  for (const [file, bytes] of readTree(sb.root)) outputs.push({ where: `${name}: ${file}`, text: `${file}\n${bytes.toString('latin1')}` });
  let lockText = '';
  try {
    lockText = readFileSync(join(sb.work, 'meshext.lock'), 'utf8');
  } catch {
    // no lock after a failed render
  }
  return { ...first!, lock: lockText };
}

async function pulls(name: string, reg: TestRegistry, repo: string, creds: Record<string, string>): Promise<void> {
  const got = await pull(name, `${reg.host}/${repo}:latest`, creds);
  assert.is(got.code, 0, `${name}: ${got.stderr}`);
  assert.ok(got.lock.includes(digests[repo]!), `${name}: the lock pins ${digests[repo]}`);
}

async function refused(name: string, reg: TestRegistry, repo: string, creds: Record<string, string>): Promise<void> {
  const image = `${reg.host}/${repo}:latest`;
  const got = await pull(name, image, creds, false);
  assert.is(got.code, 3, `${name}: ${got.stderr}`);
  assert.ok(got.stderr.includes(`error: image ${image}: HEAD http://${reg.host}/v2/${repo}/manifests/latest: 401 Unauthorized: the registry rejected the credentials`), `${name}: ${got.stderr}`);
}

/** The files in the order meshext searches them; each writes `auths` (keyed as its tool writes it) for one host. */
const SOURCES: Record<string, (host: string, password: string) => { files: Record<string, unknown>; env: Record<string, string> }> = {
  REGISTRY_AUTH_FILE: (host, pw) => ({ files: { 'authfile/auth.json': { auths: { [host]: { username: USER, password: pw } } } }, env: { REGISTRY_AUTH_FILE: '{root}/authfile/auth.json' } }),
  DOCKER_CONFIG: (host, pw) => ({ files: { 'dockerconfig/config.json': { auths: { [host]: entry(pw) } } }, env: { DOCKER_CONFIG: '{root}/dockerconfig' } }),
  XDG_RUNTIME_DIR: (host, pw) => ({ files: { 'run/containers/auth.json': { auths: { [host]: entry(pw) } } }, env: { XDG_RUNTIME_DIR: '{root}/run' } }),
  '~/.config/containers/auth.json': (host, pw) => ({ files: { 'home/.config/containers/auth.json': { auths: { [host]: entry(pw) } } }, env: {} }),
  '~/.docker/config.json': (host, pw) => ({ files: { 'home/.docker/config.json': { auths: { [`https://${host}`]: entry(pw) } } }, env: {} }),
  '~/.dockercfg': (host, pw) => ({ files: { 'home/.dockercfg': { [`https://${host}/v1/`]: { ...entry(pw), email: '' } } }, env: {} }),
};
const ORDER = Object.keys(SOURCES);

function layout(...parts: { files: Record<string, unknown>; env: Record<string, string> }[]): Record<string, string> {
  return credentials(Object.assign({}, ...parts.map((p) => p.files)), Object.assign({}, ...parts.map((p) => p.env)));
}

test('each file on its own: the pull succeeds with its credentials', async () => {
  for (const name of ORDER) await pulls(name, basic, 'private/compat', layout(SOURCES[name]!(basic.host, PASSWORD)));
});

test('XDG_CONFIG_HOME moves ~/.config; `host:port/v2/` and `http://host:port` keys name the registry', async () => {
  await pulls('XDG_CONFIG_HOME', basic, 'private/compat', credentials({ 'cfg/containers/auth.json': { auths: { [`http://${basic.host}`]: entry(PASSWORD) } } }, { XDG_CONFIG_HOME: '{root}/cfg' }));
  await pulls('host:port/v2/ key', basic, 'private/compat', credentials({ 'home/.docker/config.json': { auths: { [`${basic.host}/v2/`]: entry(PASSWORD) } } }));
});

test('precedence: of two files that disagree, the earlier one wins, right or wrong', async () => {
  for (let i = 0; i + 1 < ORDER.length; i++) {
    const [first, second] = [ORDER[i]!, ORDER[i + 1]!];
    const pair = `${first} over ${second}`;
    await pulls(pair, basic, 'private/compat', layout(SOURCES[first]!(basic.host, PASSWORD), SOURCES[second]!(basic.host, wrong(pair))));
    await refused(`${pair} (wrong)`, basic, 'private/compat', layout(SOURCES[first]!(basic.host, wrong(`${pair} first`)), SOURCES[second]!(basic.host, PASSWORD)));
  }
});

test('precedence: REGISTRY_AUTH_FILE without an entry for the registry falls through; DOCKER_CONFIG hides ~/.docker', async () => {
  await pulls('fall-through', basic, 'private/compat', layout({ files: { 'authfile/auth.json': { auths: { 'other.example': entry('x') } } }, env: { REGISTRY_AUTH_FILE: '{root}/authfile/auth.json' } }, SOURCES['~/.docker/config.json']!(basic.host, PASSWORD)));
  const image = `${basic.host}/private/compat:latest`;
  const hidden = await pull('DOCKER_CONFIG hides ~/.docker', image, layout({ files: {}, env: { DOCKER_CONFIG: '{root}/empty' } }, SOURCES['~/.docker/config.json']!(basic.host, PASSWORD)), false);
  assert.is(hidden.code, 3);
  assert.ok(hidden.stderr.includes('401 Unauthorized: no credentials found for this registry'), hidden.stderr);
});

test('repository keys: the most specific key wins, and covers only its repositories', async () => {
  const h = basic.host;
  const auths = { [h]: entry(wrong('host key')), [`${h}/team`]: entry(wrong('namespace key')), [`${h}/team/a`]: entry(PASSWORD), [`${h}/team/a/plugi`]: entry(wrong('prefix key')) };
  const creds = credentials({ 'authfile/auth.json': { auths } }, { REGISTRY_AUTH_FILE: '{root}/authfile/auth.json' });
  await pulls('namespace key', basic, 'team/a/plugin', creds);
  await refused('host key for another repository', basic, 'private/compat', creds);
  await pulls('repository key', basic, 'private/compat', credentials({ 'home/.docker/config.json': { auths: { [h]: entry(wrong('host key 2')), [`${h}/private/compat`]: entry(PASSWORD) } } }));
});

test('credHelpers (asked for host:port) and credsStore, each a script on PATH, beat auths in the same file', async () => {
  const helper = (user: string, secret: string): string => `#!/bin/sh\n[ "$1" = get ] || exit 2\nread server\nprintf '%s' "$server" >> "$0.asked"\nprintf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}' "$server"\n`;
  const byHelper = credentials({ 'bin/docker-credential-pass': helper(USER, PASSWORD), 'home/.docker/config.json': { credHelpers: { [basic.host]: 'pass' }, auths: { [basic.host]: entry(wrong('beside credHelpers')) } } });
  await pulls('credHelpers', basic, 'private/compat', byHelper);
  assert.is(readFileSync(join(dirname(byHelper.HOME!), 'bin', 'docker-credential-pass.asked'), 'utf8'), basic.host.repeat(2), 'asked once per run, for host:port');
  const byStore = credentials({ 'bin/docker-credential-desk': helper(USER, PASSWORD), 'dc/config.json': { credsStore: 'desk', auths: { [basic.host]: entry(wrong('beside credsStore')) } } }, { DOCKER_CONFIG: '{root}/dc' });
  await pulls('credsStore', basic, 'private/compat', byStore);
  const tokenUser = credentials({ 'bin/docker-credential-tok': helper('<token>', REFRESH_TOKEN), 'run/containers/auth.json': { credHelpers: { [token.host]: 'tok' } } }, { XDG_RUNTIME_DIR: '{root}/run' });
  const before = token.tokenRequests.length;
  await pulls('credHelpers in auth.json, <token> user', token, 'private/compat', tokenUser);
  assert.ok(token.tokenRequests.slice(before).every((r) => r.method === 'POST' && r.user === USER), 'the helper secret was exchanged as a refresh token');
});

test('identitytoken: exchanged by OAuth POST; by GET as `<token>` where the token server refuses POST', async () => {
  let before = token.tokenRequests.length;
  await pulls('identitytoken POST', token, 'private/compat', credentials({ 'home/.docker/config.json': { auths: { [token.host]: { identitytoken: REFRESH_TOKEN } } } }));
  const posts = token.tokenRequests.slice(before);
  assert.ok(posts.length >= 2 && posts.every((r) => r.method === 'POST' && r.user === USER && r.scopes.includes('repository:private/compat:pull')), JSON.stringify(posts));
  before = getOnly.tokenRequests.length;
  await pulls('identitytoken GET', getOnly, 'private/compat', credentials({ 'home/.docker/config.json': { auths: { [getOnly.host]: { identitytoken: REFRESH_TOKEN } } } }));
  const asked = getOnly.tokenRequests.slice(before);
  assert.ok(asked.some((r) => r.method === 'POST' && r.refused), 'POST was tried first');
  assert.ok(asked.filter((r) => !r.refused).every((r) => r.method === 'GET' && r.user === '<token>'), JSON.stringify(asked));
  assert.ok(asked.some((r) => r.method === 'GET'));
});

test('registrytoken: sent as the Bearer token, no token request', async () => {
  const res = await fetch(`${token.tokenUrl}&scope=repository:private/compat:pull`, { headers: { authorization: `Basic ${b64(`${USER}:${PASSWORD}`)}` } });
  const bearer = ((await res.json()) as { token: string }).token;
  secrets.add(bearer);
  const before = token.tokenRequests.length;
  await pulls('registrytoken', token, 'private/compat', credentials({ 'home/.config/containers/auth.json': { auths: { [token.host]: { registrytoken: bearer } } } }));
  assert.is(token.tokenRequests.length, before);
});

test('no secret, its base64, or a 10-character piece of it, in stdout, stderr, the lock or any file or file name in the sandbox', () => {
  const forms = new Set<string>();
  for (const s of secrets) {
    for (const f of [s, b64(s), b64(`${USER}:${s}`), b64(`<token>:${s}`), encodeURIComponent(s)]) forms.add(f);
    for (let i = 0; i + 10 <= s.length; i++) forms.add(s.slice(i, i + 10));
  }
  for (const reg of [token, getOnly]) for (const jwt of reg.issuedTokens) forms.add(jwt.split('.')[2]!);
  assert.ok(outputs.length > 100, `${outputs.length} outputs searched`);
  const leaks: string[] = [];
  for (const o of outputs) for (const f of forms) if (o.text.includes(f)) leaks.push(`${JSON.stringify(f)} in ${o.where}`);
  assert.equal(leaks.slice(0, 20), []);
});

test.run();
