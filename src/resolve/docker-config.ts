// Registry credentials the way docker, podman and go-containerregistry find them
// (reference/oci.md §1.5): `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, then
// `$REGISTRY_AUTH_FILE`. Within a file: `credHelpers[host]`, else `credsStore` (falling back to
// `auths`, as docker's native store does), else `auths[host]`. The environment is passed in,
// never read from `process`, so tests point it at a temporary DOCKER_CONFIG.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { failure } from './registry-error.ts';
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
}

const HUB_KEY = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_HELPER_OUTPUT = 64 * 1024;

interface AuthEntry {
  readonly auth?: unknown;
  readonly username?: unknown;
  readonly password?: unknown;
  readonly identitytoken?: unknown;
  readonly registrytoken?: unknown;
}
interface ConfigFile {
  readonly auths?: Readonly<Record<string, AuthEntry>>;
  readonly credHelpers?: Readonly<Record<string, unknown>>;
  readonly credsStore?: unknown;
}

/** The credential for a registry (as written in references: `docker.io`, `host:port`), if any. */
export async function findCredential(registry: string, opts: FindCredentialOptions): Promise<Credential | undefined | ResolveFailure> {
  const { env } = opts;
  const dockerDir = env.DOCKER_CONFIG ? env.DOCKER_CONFIG : env.HOME ? join(env.HOME, '.docker') : undefined;
  const files = [dockerDir ? join(dockerDir, 'config.json') : undefined, env.REGISTRY_AUTH_FILE || undefined];
  for (const file of files) {
    if (file === undefined) continue;
    const config = await readConfig(file);
    if (config === undefined) continue;
    if ('code' in config) return config;
    const found = await fromConfig(config, registry, file, opts);
    if (found !== undefined) return found;
  }
  return undefined;
}

async function readConfig(file: string): Promise<ConfigFile | ResolveFailure | undefined> {
  let text: string;
  try {
    const buf = await readFile(file);
    if (buf.length > MAX_CONFIG_BYTES) return failure('RESOLVE_FAILED', `credentials file ${file} is larger than ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return failure('RESOLVE_FAILED', `cannot read credentials file ${file}: ${code ?? 'read error'}`);
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return failure('RESOLVE_FAILED', `credentials file ${file} is not a JSON object`);
    return json as ConfigFile;
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a password.
    return failure('RESOLVE_FAILED', `credentials file ${file} is not valid JSON`);
  }
}

async function fromConfig(config: ConfigFile, registry: string, file: string, opts: FindCredentialOptions): Promise<Credential | undefined | ResolveFailure> {
  const keys = lookupKeys(registry);
  const helpers = isRecord(config.credHelpers) ? config.credHelpers : {};
  const helper = keys.map((k) => helpers[k]).find((h) => typeof h === 'string' && h !== '');
  if (typeof helper === 'string') return runHelper(helper, serverUrl(registry), opts);
  const fromAuths = authsEntry(config, keys, file, opts);
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const stored = await runHelper(config.credsStore, serverUrl(registry), opts);
    if (stored !== undefined) return stored;
  }
  return fromAuths;
}

function authsEntry(config: ConfigFile, keys: readonly string[], file: string, opts: FindCredentialOptions): Credential | undefined | ResolveFailure {
  if (!isRecord(config.auths)) return undefined;
  const byHost = new Map<string, AuthEntry>();
  for (const [k, v] of Object.entries(config.auths)) {
    if (!isRecord(v)) continue;
    // An exact key wins over one that only matches after normalization (docker's ConvertToHostname).
    byHost.set(k, v);
    const host = toHostname(k);
    if (!byHost.has(host)) byHost.set(host, v);
  }
  const entry = keys.map((k) => byHost.get(k)).find((e) => e !== undefined);
  if (entry === undefined) return undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const auth = str(entry.auth);
  let username = str(entry.username);
  let password = str(entry.password);
  for (const s of [auth, password, str(entry.identitytoken), str(entry.registrytoken)]) if (s) opts.addSecret(s);
  if (auth !== undefined) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return failure('RESOLVE_FAILED', `credentials file ${file}: the "auth" value for ${keys[0]} is not base64 of user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
    opts.addSecret(password);
  }
  const identity = str(entry.identitytoken);
  if (identity !== undefined) return { kind: 'identity-token', token: identity, ...(username ? { username } : {}) };
  const registryToken = str(entry.registrytoken);
  if (registryToken !== undefined) return { kind: 'registry-token', token: registryToken };
  if (username !== undefined && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}

/** `docker-credential-<name> get`: server URL on stdin, `{ServerURL, Username, Secret}` on stdout. */
function runHelper(name: string, server: string, opts: FindCredentialOptions): Promise<Credential | undefined | ResolveFailure> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.resolve(failure('RESOLVE_FAILED', `credential helper name ${JSON.stringify(name)} is not valid`));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  return new Promise((resolve) => {
    const child = execFile(
      program,
      ['get'],
      { env, timeout: opts.helperTimeoutMs ?? 10_000, maxBuffer: MAX_HELPER_OUTPUT, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          // execFile's `code` is an errno string when the program could not run, the exit status otherwise.
          const code = (err as { code?: unknown }).code;
          if (code === 'ENOENT') return resolve(failure('RESOLVE_FAILED', `credential helper ${program} is not on PATH`));
          if (/credentials not found/i.test(`${stdout}\n${stderr}`)) return resolve(undefined);
          // The helper's own output is not echoed: it may hold what we were asking for.
          const why = err.killed ? 'timed out' : `failed (${typeof code === 'number' ? `exit status ${code}` : String(code ?? 'error')})`;
          return resolve(failure('RESOLVE_FAILED', `credential helper ${program} ${why} for ${server}`));
        }
        let json: { Username?: unknown; Secret?: unknown };
        try {
          json = JSON.parse(stdout) as typeof json;
        } catch {
          return resolve(failure('RESOLVE_FAILED', `credential helper ${program} printed something that is not JSON`));
        }
        const user = typeof json?.Username === 'string' ? json.Username : '';
        const secret = typeof json?.Secret === 'string' ? json.Secret : '';
        if (secret !== '') opts.addSecret(secret);
        if (secret === '') return resolve(undefined);
        if (user === '<token>') return resolve({ kind: 'identity-token', token: secret });
        resolve({ kind: 'basic', username: user, password: secret });
      },
    );
    child.stdin?.on('error', () => {}); // a helper that exits without reading stdin must not crash us
    child.stdin?.end(server);
  });
}

/** Keys to look a registry up by, most specific first. */
function lookupKeys(registry: string): string[] {
  return HUB_HOSTS.has(registry) ? [HUB_KEY, 'docker.io', 'index.docker.io', 'registry-1.docker.io'] : [registry];
}

/** What credential helpers are asked for: docker uses the v1 URL for Hub and host[:port] elsewhere. */
function serverUrl(registry: string): string {
  return HUB_HOSTS.has(registry) ? HUB_KEY : registry;
}

/** docker's ConvertToHostname: strip the scheme and any path. */
function toHostname(key: string): string {
  const noScheme = key.replace(/^https?:\/\//, '');
  const host = noScheme.split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
