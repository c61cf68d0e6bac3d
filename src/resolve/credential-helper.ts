// The docker credential helper protocol (docker-credential-helpers' client): run
// `docker-credential-<name> get`, write the server URL on stdin, read
// `{"ServerURL","Username","Secret"}` on stdout. A `<token>` user marks the secret as an identity
// (refresh) token; "credentials not found" means this helper knows nothing about the server.

import { execFile } from 'node:child_process';
import type { Credential, Env } from './docker-config.ts';
import { failure } from './registry-error.ts';
import type { ResolveFailure } from './registry-error.ts';

export interface CredentialHelperOptions {
  readonly env: Env;
  /** Called with the secret before anything else can print it. */
  readonly addSecret: (secret: string) => void;
  readonly timeoutMs?: number;
  /** Stops the helper (the render was cancelled). */
  readonly signal?: AbortSignal;
}

const MAX_HELPER_OUTPUT = 64 * 1024;

export function runCredentialHelper(name: string, server: string, opts: CredentialHelperOptions): Promise<Credential | undefined | ResolveFailure> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.resolve(failure('RESOLVE_FAILED', `credential helper name ${JSON.stringify(name)} is not valid`));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  return new Promise((resolve) => {
    const child = execFile(
      program,
      ['get'],
      { env, timeout: opts.timeoutMs ?? 10_000, maxBuffer: MAX_HELPER_OUTPUT, encoding: 'utf8', windowsHide: true, ...(opts.signal ? { signal: opts.signal } : {}) },
      (err, stdout, stderr) => {
        if (err) {
          // execFile's `code` is an errno string when the program could not run, the exit status otherwise.
          const code = (err as { code?: unknown }).code;
          if (code === 'ENOENT') return resolve(failure('RESOLVE_FAILED', `credential helper ${program} is not on PATH`));
          if (/credentials not found/i.test(`${stdout}\n${stderr}`)) return resolve(undefined);
          // The helper's own output is not echoed: it may hold what we were asking for.
          const why = opts.signal?.aborted ? 'was stopped: the render was cancelled' : err.killed ? 'timed out' : `failed (${typeof code === 'number' ? `exit status ${code}` : String(code ?? 'error')})`;
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
        if (secret === '') return resolve(undefined);
        opts.addSecret(secret);
        if (user === '<token>') return resolve({ kind: 'identity-token', token: secret });
        resolve({ kind: 'basic', username: user, password: secret });
      },
    );
    child.stdin?.on('error', () => {}); // a helper that exits without reading stdin must not crash us
    child.stdin?.end(server);
  });
}
