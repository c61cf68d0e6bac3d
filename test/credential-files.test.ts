// Which credential files are searched, in which order, and which `auths` key answers for a
// registry and repository: tables over temporary files, no registry. The pulls themselves are in
// credential-sources.test.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createKeychain, credentialFiles } from '../src/resolve/docker-config.ts';
import { tempDir } from './_registry.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('credentialFiles: variables first, then the defaults of containers-auth.json(5)', () => {
  const cases: Record<string, { env: Record<string, string>; files: string[] }> = {
    'HOME only': { env: { HOME: '/h' }, files: ['/h/.config/containers/auth.json', '/h/.docker/config.json', '/h/.dockercfg'] },
    everything: {
      env: { HOME: '/h', REGISTRY_AUTH_FILE: '/a.json', DOCKER_CONFIG: '/d', XDG_RUNTIME_DIR: '/run/user/1', XDG_CONFIG_HOME: '/cfg' },
      files: ['/a.json', '/d/config.json', '/run/user/1/containers/auth.json', '/cfg/containers/auth.json', '/h/.dockercfg'],
    },
    'empty values count as unset': { env: { HOME: '/h', REGISTRY_AUTH_FILE: '', DOCKER_CONFIG: '', XDG_RUNTIME_DIR: '', XDG_CONFIG_HOME: '' }, files: ['/h/.config/containers/auth.json', '/h/.docker/config.json', '/h/.dockercfg'] },
    'a file named twice is read once': { env: { HOME: '/h', REGISTRY_AUTH_FILE: '/h/.docker/config.json' }, files: ['/h/.docker/config.json', '/h/.config/containers/auth.json', '/h/.dockercfg'] },
    'no HOME': { env: { DOCKER_CONFIG: '/d' }, files: ['/d/config.json'] },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(credentialFiles(c.env).map((f) => f.path), c.files, name);
  assert.equal(credentialFiles({ HOME: '/h' }).map((f) => f.legacy), [false, false, true]);
});

/** Looks each [registry, repository] up in one config.json holding `auths`; the password says which key answered. */
async function lookups(auths: Record<string, unknown>, queries: readonly [string, string][], legacy = false): Promise<(string | undefined)[]> {
  const home = tempDir();
  const path = legacy ? join(home, '.dockercfg') : join(home, '.docker', 'config.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(legacy ? auths : { auths }));
  const keychain = createKeychain({ env: { HOME: home }, addSecret: () => {} });
  const out: (string | undefined)[] = [];
  for (const [registry, repository] of queries) {
    const got = (await keychain.find(registry, repository)) as { password?: string; token?: string; message?: string } | undefined;
    out.push(got?.password ?? got?.token ?? got?.message);
  }
  return out;
}

const basic = (password: string): { auth: string } => ({ auth: b64(`u:${password}`) });

test('auths keys: repository keys most specific first; URL and /v2/ keys name a host; other paths only themselves', async () => {
  const auths = {
    'reg.example/team': basic('namespace'),
    'reg.example/team/app': basic('repository'),
    'reg.example': basic('host'),
    'https://url.example:5000': basic('url'),
    'api.example:5000/v2/': basic('api-path'),
    'ns.example/only': basic('ns-only'),
    'http://schemed.example/some/path': basic('schemed-path'),
  };
  assert.equal(
    await lookups(auths, [
      ['reg.example', 'team/app'],
      ['reg.example', 'team/app2'],
      ['reg.example', 'other/app'],
      ['url.example:5000', 'x'],
      ['api.example:5000', 'x'],
      ['ns.example', 'only/app'],
      ['ns.example', 'elsewhere/app'],
      ['schemed.example', 'x'],
      ['nobody.example', 'x'],
    ]),
    ['repository', 'namespace', 'host', 'url', 'api-path', 'ns-only', undefined, 'schemed-path', undefined],
  );
});

test('auths keys: Docker Hub under any of its names, an exact key before one that matches once normalized', async () => {
  assert.equal(await lookups({ 'https://index.docker.io/v1/': basic('v1-key') }, [['docker.io', 'library/nginx']]), ['v1-key']);
  assert.equal(await lookups({ 'docker.io/library': basic('library'), 'https://index.docker.io/v1/': basic('v1-key') }, [['docker.io', 'library/nginx'], ['docker.io', 'me/app']]), ['library', 'v1-key']);
  assert.equal(await lookups({ 'https://registry-1.docker.io/v2/': basic('normalized'), 'reg.example': basic('exact'), 'https://reg.example/': basic('loose') }, [['docker.io', 'x/y'], ['reg.example', 'x']]), ['normalized', 'exact']);
});

test('auths entries: identitytoken, registrytoken, NUL-padded auth, empty entries skipped, broken auth an error', async () => {
  const auths = {
    'id.example': { auth: b64('u:'), identitytoken: 'refresh-1' },
    'bearer.example': { registrytoken: 'bearer-1' },
    'padded.example': { auth: b64('u:pw\0\0') },
    'reg.example/team': {},
    'reg.example': basic('host'),
    'broken.example': { auth: b64('no-colon') },
  };
  assert.equal(
    await lookups(auths, [
      ['id.example', 'x'],
      ['bearer.example', 'x'],
      ['padded.example', 'x'],
      ['reg.example', 'team/x'],
    ]),
    ['refresh-1', 'bearer-1', 'pw', 'host'],
  );
  const [broken] = await lookups(auths, [['broken.example', 'x']]);
  assert.match(broken!, /the "auth" value for broken\.example is not base64 of user:password$/);
});

test('~/.dockercfg: the legacy map, keyed by URL, no repository keys', async () => {
  assert.equal(
    await lookups({ 'https://old.example:5000/v1/': { ...basic('legacy'), email: 'e@x' }, 'old.example/ns': basic('not-a-namespace') }, [['old.example:5000', 'x'], ['old.example', 'ns/x']], true),
    ['legacy', 'not-a-namespace'],
  );
});

test.run();
