// A real OCI registry for the resolve tests: Debian's `docker-registry` (CNCF Distribution 2.8)
// on a free loopback port with a throwaway storage directory, optionally behind htpasswd Basic
// auth or token auth (a token server in this process signs RS256 JWTs with a certificate made
// here with node:crypto). Its access log is read back so tests can count requests exactly.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const USER = 'tester';
export const PASSWORD = 'pw-Secr3t-value';
/** An OAuth refresh token the token server accepts for USER (config.json `identitytoken`). */
export const REFRESH_TOKEN = 'refresh-7d1f0c2a9b';

export interface AccessEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface TokenRequest {
  readonly method: string;
  readonly user?: string;
  readonly authorization: boolean;
  readonly scopes: readonly string[];
  /** An OAuth POST the server refused because it was started with `oauth: false`. */
  readonly refused?: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as a reference names it. */
  readonly host: string;
  readonly url: string;
  readonly auth: 'none' | 'basic' | 'token';
  /** Every request the registry logged so far. */
  requests(): AccessEntry[];
  /** Every token request so far (token mode). */
  readonly tokenRequests: TokenRequest[];
  /** Every token the token server issued, to check none leaks. */
  readonly issuedTokens: string[];
  /** Token mode: where to get a token (`?service=…&scope=…`). */
  readonly tokenUrl?: string;
  /** A TLS registry: a fetch that trusts its CA and sends the client certificate, for the fixtures' pushes. */
  readonly fetch?: typeof fetch;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
let scratch: string | undefined;
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

/** A fresh directory under one per-process scratch root, removed when the test process exits. */
export function tempDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'meshext-test-'));
  return mkdtempSync(join(scratch, 'd-'));
}

function registryBinary(): string {
  if (existsSync('/usr/bin/docker-registry')) return '/usr/bin/docker-registry';
  const which = spawnSync('sh', ['-c', 'command -v docker-registry'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return which.stdout.trim();
  throw new Error('docker-registry is not installed: run `bash scripts/setup-test-env.sh` as root, or `sudo apt-get install docker-registry`');
}

/** TLS for the registry (docker-registry's `http.tls`), and for its token server too. */
export interface RegistryTlsFiles {
  readonly cert: string;
  readonly key: string;
  /** The CA the fixtures' pushes trust. */
  readonly ca: string;
  /** `clientcas`: the registry then requires a client certificate signed by this CA. */
  readonly clientCa?: string;
  /** The client certificate the fixtures' pushes send. */
  readonly client?: { readonly cert: string; readonly key: string };
}

/** `oauth: false` makes the token server answer every POST with 404, as token servers that only do GET do. */
export async function startRegistry(opts: { auth?: 'none' | 'basic' | 'token'; port?: number; oauth?: boolean; tls?: RegistryTlsFiles } = {}): Promise<TestRegistry> {
  const auth = opts.auth ?? 'none';
  const dir = tempDir();
  let authConfig = '';
  let token: TokenServer | undefined;
  if (auth === 'basic') {
    writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt(PASSWORD)}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: meshext-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    token = await startTokenServer(dir, opts.oauth ?? true, opts.tls);
    authConfig = `auth:\n  token:\n    realm: ${token.realm}\n    service: ${token.service}\n    issuer: ${token.issuer}\n    rootcertbundle: ${token.certPath}\n`;
  }
  const tls = opts.tls;
  const tlsConfig = tls
    ? `  tls:\n    certificate: ${tls.cert}\n    key: ${tls.key}\n${tls.clientCa ? `    clientcas:\n      - ${tls.clientCa}\n` : ''}`
    : '';
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const host = `127.0.0.1:${port}`;
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n  secret: meshext-test-not-secret\n${tlsConfig}${authConfig}`,
    );
    const out = join(dir, `access-${attempt}.log`);
    const err = join(dir, `error-${attempt}.log`);
    const child = spawn(registryBinary(), ['serve', config], { stdio: ['ignore', openSync(out, 'w'), openSync(err, 'w')] });
    children.add(child);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const up = tls ? await waitListening(port, child) : await waitUp(`http://${host}/v2/`, child);
    if (!up) {
      child.kill('SIGKILL');
      await exited;
      children.delete(child);
      if (attempt < 3 && opts.port === undefined && readFileSync(err, 'utf8').includes('address already in use')) continue;
      throw new Error(`docker-registry did not start: ${readFileSync(err, 'utf8').slice(0, 2000)}`);
    }
    return {
      host,
      url: `${tls ? 'https' : 'http'}://${host}`,
      ...(tls ? { fetch: trustingFetch(tls) } : {}),
      auth,
      requests: () => parseAccessLog(readFileSync(out, 'utf8')),
      tokenRequests: token?.requests ?? [],
      issuedTokens: token?.issued ?? [],
      ...(token ? { tokenUrl: `${token.realm}?service=${token.service}` } : {}),
      async stop() {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
        children.delete(child);
        await token?.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** undici's fetch with the test CA and client certificate: Node's global fetch cannot take either. */
function trustingFetch(tls: RegistryTlsFiles): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: readFileSync(tls.ca, 'utf8'), ...(tls.client ? { cert: readFileSync(tls.client.cert, 'utf8'), key: readFileSync(tls.client.key, 'utf8') } : {}) } });
  return ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** A TLS registry is up once it accepts connections (a probe over TLS could need a client certificate). */
async function waitListening(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const sock = netConnect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Apache combined log lines: `… "GET /v2/ HTTP/1.1" 200 2 "" "ua"`. */
function parseAccessLog(text: string): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /.exec(line);
    if (m) out.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
  }
  return out;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** bcrypt, the only htpasswd format Distribution accepts: libxcrypt's through perl-base (always on Debian), else htpasswd. */
function bcrypt(password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(21)].map((b) => alphabet[b % 64]).join('') + '.';
  const perl = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (perl.status === 0 && perl.stdout.startsWith('$2b$')) return perl.stdout;
  const htpasswd = spawnSync('htpasswd', ['-nbB', USER, password], { encoding: 'utf8' });
  if (htpasswd.status === 0) return htpasswd.stdout.trim().split(':')[1]!;
  throw new Error('cannot make a bcrypt hash: need perl with libxcrypt (Debian perl-base) or htpasswd (apache2-utils)');
}

interface TokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly certPath: string;
  readonly requests: TokenRequest[];
  readonly issued: string[];
  stop(): Promise<void>;
}

/**
 * Docker token auth (distribution docs/spec/auth/token.md): anonymous callers get `pull` on every
 * repository but `private/*`; USER (Basic, or the refresh token by OAuth POST or as `<token>` Basic) gets what it asks.
 */
async function startTokenServer(dir: string, oauth: boolean, tls?: RegistryTlsFiles): Promise<TokenServer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certDer = selfSignedCert(privateKey, publicKey.export({ type: 'spki', format: 'der' }));
  const certPath = join(dir, 'token-cert.pem');
  writeFileSync(certPath, `-----BEGIN CERTIFICATE-----\n${certDer.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  new X509Certificate(readFileSync(certPath)); // fail here, not inside the registry, if the DER is wrong
  const service = 'meshext-test-registry';
  const issuer = 'meshext-test-issuer';
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  const handle = async (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    const form = new URLSearchParams(req.method === 'POST' ? body : '');
    let user: string | undefined;
    const h = req.headers.authorization ?? '';
    if (h.startsWith('Basic ')) {
      const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      // `<token>` and the refresh token: how a client sends an identity token to a server that only does GET.
      if (decoded.slice(0, i) === '<token>' && decoded.slice(i + 1) === REFRESH_TOKEN) user = '<token>';
      else if (decoded.slice(0, i) !== USER || decoded.slice(i + 1) !== PASSWORD) return deny(res);
      else user = USER;
    }
    if (req.method === 'POST' && !oauth) {
      requests.push({ method: 'POST', authorization: h !== '', scopes: [], refused: true });
      return deny(res, 404);
    }
    if (req.method === 'POST') {
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== REFRESH_TOKEN) return deny(res);
      user = USER;
    }
    const scopes = (req.method === 'POST' ? (form.get('scope') ?? '').split(' ') : url.searchParams.getAll('scope').flatMap((s) => s.split(' '))).filter(Boolean);
    if (url.pathname !== '/token') return deny(res, 404);
    requests.push({ method: req.method ?? 'GET', ...(user ? { user } : {}), authorization: h !== '', scopes });
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = (rest.pop() ?? '').split(',');
      const name = rest.join(':');
      const allowed = actions.filter((a) => (user !== undefined ? true : a === 'pull' && !name.startsWith('private/')));
      return { type, name, actions: allowed };
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = b64({ alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] });
    const claims = b64({ iss: issuer, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
    const jwt = `${head}.${claims}.${sign('sha256', Buffer.from(`${head}.${claims}`), privateKey).toString('base64url')}`;
    issued.push(jwt);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.method === 'POST' ? { access_token: jwt, expires_in: 300 } : { token: jwt, expires_in: 300 }));
  };
  // A TLS registry's token server speaks TLS too, with the same certificate, as a real one would.
  const server: Server = tls ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (q, r) => void handle(q, r)) : createServer((q, r) => void handle(q, r));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    issued,
    stop: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function deny(res: import('node:http').ServerResponse, status = 401): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end('{"details":"denied"}');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

// A minimal X.509 v3 certificate in DER: node:crypto verifies and parses certificates but cannot make one.
function selfSignedCert(key: KeyObject, spki: Buffer): Buffer {
  const tlv = (tag: number, content: Buffer): Buffer => {
    const n = content.length;
    const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, content]);
  };
  const seq = (...xs: Buffer[]): Buffer => tlv(0x30, Buffer.concat(xs));
  const oid = (dotted: string): Buffer => {
    const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
    const bytes = [40 * a + b];
    for (const v of rest) {
      const enc = [v & 0x7f];
      for (let x = v >> 7; x > 0; x >>= 7) enc.unshift((x & 0x7f) | 0x80);
      bytes.push(...enc);
    }
    return tlv(0x06, Buffer.from(bytes));
  };
  const utcTime = (d: Date): Buffer => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
  const name = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from('meshext-test-issuer')))));
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    algorithm,
    name,
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    spki,
  );
  const signature = sign('sha256', tbs, key);
  return seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}
