// Registry credentials from every file docker, podman, skopeo and buildah log in to. The files are
// searched in this order, and the first one that has a credential for the registry wins:
//
//   1. $REGISTRY_AUTH_FILE                          the file podman and skopeo are told to use
//   2. $DOCKER_CONFIG/config.json                   when DOCKER_CONFIG is set
//   3. $XDG_RUNTIME_DIR/containers/auth.json        podman login's file on Linux
//   4. $XDG_CONFIG_HOME/containers/auth.json        (~/.config/containers/auth.json when unset)
//   5. ~/.docker/config.json                        when DOCKER_CONFIG is unset
//   6. ~/.dockercfg                                 docker's legacy format: the `auths` map alone
//
// 3 to 6 is the search order of containers-auth.json(5), which is also where plain `docker login`
// writes. A file named by a variable set for this run comes before the default locations, so
// REGISTRY_AUTH_FILE and DOCKER_CONFIG beat a login left behind by another tool; unlike podman,
// REGISTRY_AUTH_FILE does not hide the other files, because a render may pull from registries
// whose logins live in different places. (podman falls back to /run/containers/<uid>/auth.json
// when XDG_RUNTIME_DIR is unset; meshext does not, as it knows no uid, only the environment.)
//
// Within one file, as docker reads config.json: `credHelpers[host]`, else `credsStore` (falling
// back to `auths` when the store knows nothing), else `auths`. `auths` keys may name a repository
// or namespace as containers-auth.json allows (`host/ns/repo`, then `host/ns`, then `host`: the most
// specific key wins), or be written as URLs (`https://host:port`, `host:port/v2/`, Docker Hub's
// `https://index.docker.io/v1/`). An entry holds `identitytoken` (an OAuth refresh token),
// `registrytoken` (sent as the Bearer token), `auth` (base64 of user:password) or `username` and
// `password`. The environment is passed in, never read from `process`.

import { join } from 'node:path';
import { runCredentialHelper } from './credential-helper.ts';
import { isRefusal, readRegularFile } from './read-regular-file.ts';
import { failure, isFailure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';

export type Credential =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user), exchanged by POST. */
  | { readonly kind: 'identity-token'; readonly username?: string; readonly token: string }
  /** Sent as the Bearer token itself (`registrytoken`). */
  | { readonly kind: 'registry-token'; readonly token: string };

export type Env = Readonly<Record<string, string | undefined>>;

export interface FindCredentialOptions {
  readonly env: Env;
  /** Called with every secret read, before anything else can print it. */
  readonly addSecret: (secret: string) => void;
  readonly helperTimeoutMs?: number;
  /** Stops credential helpers still running (the render was cancelled). */
  readonly signal?: AbortSignal;
}

export interface CredentialFile {
  readonly path: string;
  /** `~/.dockercfg`: the whole file is what `auths` holds in config.json. */
  readonly legacy: boolean;
  /** The variable that named the file (`REGISTRY_AUTH_FILE`, `DOCKER_CONFIG`), for messages. */
  readonly variable?: string;
}

/** Looks credentials up once per registry and repository, reading each file and asking each helper once. */
export interface Keychain {
  /** `registry` as written in references (`docker.io`, `host:port`); `repository` without tag or digest. */
  find(registry: string, repository?: string): Promise<Credential | undefined | ResolveFailure>;
}

type Found = Credential | undefined | ResolveFailure;

const HUB_KEY = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_CONFIG_BYTES = 1024 * 1024;

interface AuthEntry {
  readonly auth?: unknown;
  readonly username?: unknown;
  readonly password?: unknown;
  readonly identitytoken?: unknown;
  readonly registrytoken?: unknown;
}
interface ConfigFile {
  readonly auths?: unknown;
  readonly credHelpers?: unknown;
  readonly credsStore?: unknown;
}

/** The files searched for credentials, in order (see the top of this file). */
export function credentialFiles(env: Env): readonly CredentialFile[] {
  const set = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  const home = set(env.HOME);
  const dockerConfig = set(env.DOCKER_CONFIG);
  const runtimeDir = set(env.XDG_RUNTIME_DIR);
  const configHome = set(env.XDG_CONFIG_HOME) ?? (home !== undefined ? join(home, '.config') : undefined);
  const paths: (CredentialFile | undefined)[] = [
    set(env.REGISTRY_AUTH_FILE) !== undefined ? { path: env.REGISTRY_AUTH_FILE!, legacy: false, variable: 'REGISTRY_AUTH_FILE' } : undefined,
    dockerConfig !== undefined ? { path: join(dockerConfig, 'config.json'), legacy: false, variable: 'DOCKER_CONFIG' } : undefined,
    runtimeDir !== undefined ? { path: join(runtimeDir, 'containers', 'auth.json'), legacy: false } : undefined,
    configHome !== undefined ? { path: join(configHome, 'containers', 'auth.json'), legacy: false } : undefined,
    dockerConfig === undefined && home !== undefined ? { path: join(home, '.docker', 'config.json'), legacy: false } : undefined,
    home !== undefined ? { path: join(home, '.dockercfg'), legacy: true } : undefined,
  ];
  const out: CredentialFile[] = [];
  for (const f of paths) if (f !== undefined && !out.some((o) => o.path === f.path)) out.push(f);
  return out;
}

export function createKeychain(opts: FindCredentialOptions): Keychain {
  const files = new Map<string, Promise<ConfigFile | undefined | ResolveFailure>>();
  const helpers = new Map<string, Promise<Found>>();
  const found = new Map<string, Promise<Found>>();
  const helperOpts = {
    env: opts.env,
    addSecret: opts.addSecret,
    ...(opts.helperTimeoutMs !== undefined ? { timeoutMs: opts.helperTimeoutMs } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  };
  const helper = (name: string, server: string): Promise<Found> => once(helpers, `${name}\n${server}`, () => runCredentialHelper(name, server, helperOpts));

  async function search(registry: string, repository: string | undefined): Promise<Found> {
    for (const file of credentialFiles(opts.env)) {
      const config = await once(files, file.path, () => readConfig(file, opts.signal));
      if (config === undefined) continue;
      if (isFailure(config)) return config;
      const got = await fromConfig(config, file, registry, repository);
      if (got !== undefined) return got;
    }
    return undefined;
  }

  async function fromConfig(config: ConfigFile, file: CredentialFile, registry: string, repository: string | undefined): Promise<Found> {
    const server = HUB_HOSTS.has(registry) ? HUB_KEY : registry;
    const helpers = !file.legacy && isRecord(config.credHelpers) ? config.credHelpers : {};
    const named = hostKeys(registry).map((k) => helpers[k]).find((h) => typeof h === 'string' && h !== '');
    if (typeof named === 'string') return helper(named, server);
    const auths = file.legacy ? config : config.auths;
    const fromAuths = isRecord(auths) ? authsEntry(auths, file, registry, repository) : undefined;
    if (!file.legacy && typeof config.credsStore === 'string' && config.credsStore !== '') {
      const stored = await helper(config.credsStore, server);
      if (stored !== undefined) return stored;
    }
    return fromAuths;
  }

  function authsEntry(auths: Readonly<Record<string, unknown>>, file: CredentialFile, registry: string, repository: string | undefined): Found {
    // Exact keys first, most specific first; then keys that only match once written as a host.
    const exact = file.legacy ? hostKeys(registry) : [...repositoryKeys(registry, repository), ...hostKeys(registry)];
    const host = HUB_HOSTS.has(registry) ? 'docker.io' : registry;
    const loose = Object.keys(auths).filter((k) => !exact.includes(k) && hostOfKey(k, file.legacy) === host);
    for (const key of [...exact, ...loose]) {
      const entry = auths[key];
      if (!isRecord(entry)) continue;
      const got = entryCredential(entry, `credentials file ${file.path}: the "auth" value for ${key}`);
      if (got !== undefined) return got;
    }
    return undefined;
  }

  function entryCredential(entry: AuthEntry, where: string): Found {
    const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const auth = str(entry.auth);
    let username = str(entry.username);
    let password = str(entry.password);
    const identity = str(entry.identitytoken);
    const registryToken = str(entry.registrytoken);
    for (const s of [auth, password, identity, registryToken]) if (s) opts.addSecret(s);
    if (auth !== undefined) {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return failure('RESOLVE_FAILED', `${where} is not base64 of user:password`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1).replace(/\0+$/, '');
      opts.addSecret(password);
    }
    if (identity !== undefined) return { kind: 'identity-token', token: identity, ...(username ? { username } : {}) };
    if (registryToken !== undefined) return { kind: 'registry-token', token: registryToken };
    if (username !== undefined && password) return { kind: 'basic', username, password };
    return undefined;
  }

  return { find: (registry, repository) => once(found, `${registry}/${repository ?? ''}`, () => search(registry, repository)) };
}

/** One lookup without a keychain to share: every file is read afresh. */
export function findCredential(registry: string, opts: FindCredentialOptions & { readonly repository?: string }): Promise<Found> {
  return createKeychain(opts).find(registry, opts.repository);
}

/** The file's text, or why not (read-regular-file.ts: a FIFO or /dev/zero named by a variable is refused, not read). */
async function readConfig(file: CredentialFile, signal?: AbortSignal): Promise<ConfigFile | ResolveFailure | undefined> {
  const named = file.variable !== undefined ? `${file.path} (from ${file.variable})` : file.path;
  const got = await readRegularFile(file.path, MAX_CONFIG_BYTES, signal ? { signal } : {});
  if (isRefusal(got)) {
    switch (got.why) {
      case 'missing':
        return undefined;
      case 'not a regular file':
        return failure('RESOLVE_FAILED', `credentials file ${named} is ${got.kind}, not a regular file`);
      case 'too large':
      case 'grew':
        return failure('RESOLVE_FAILED', `credentials file ${named} is larger than ${MAX_CONFIG_BYTES} bytes`);
      case 'stopped':
        return failure('RESOLVE_FAILED', `reading credentials file ${named} stopped: ${got.reason}`);
      default:
        return failure('RESOLVE_FAILED', `cannot read credentials file ${named}: ${got.why === 'unreadable' ? got.code : 'read error'}`);
    }
  }
  const text = got.toString('utf8');
  try {
    const json: unknown = JSON.parse(text);
    if (!isRecord(json)) return failure('RESOLVE_FAILED', `credentials file ${file.path} is not a JSON object`);
    return json;
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a password.
    return failure('RESOLVE_FAILED', `credentials file ${file.path} is not valid JSON`);
  }
}

/** `auths`/`credHelpers` keys naming the registry itself, as docker and podman write them. */
function hostKeys(registry: string): string[] {
  return HUB_HOSTS.has(registry) ? [HUB_KEY, 'docker.io', 'index.docker.io', 'registry-1.docker.io'] : [registry];
}

/** `host/ns/repo`, `host/ns`: the repository and each namespace above it, most specific first. */
function repositoryKeys(registry: string, repository: string | undefined): string[] {
  if (repository === undefined || repository === '') return [];
  const host = HUB_HOSTS.has(registry) ? 'docker.io' : registry;
  const parts = repository.split('/');
  return parts.map((_, i) => `${host}/${parts.slice(0, parts.length - i).join('/')}`);
}

/**
 * The registry a key names when written as a URL (`https://host:port/…`), with an API path
 * (`host:port/v2/`), or in the legacy file; Docker Hub's names become `docker.io`. A key with any
 * other path names a repository and matches only exactly.
 */
function hostOfKey(key: string, legacy: boolean): string | undefined {
  const scheme = /^https?:\/\//.test(key);
  const rest = key.replace(/^https?:\/\//, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (!scheme && !legacy && !/^(\/|\/v[12]\/?)?$/.test(path)) return undefined;
  return HUB_HOSTS.has(host) ? 'docker.io' : host;
}

function once<T>(memo: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = memo.get(key);
  if (p === undefined) memo.set(key, (p = make()));
  return p;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
