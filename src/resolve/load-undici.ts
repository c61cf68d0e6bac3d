// Loads the HTTP client (undici: per-registry TLS settings and proxies, which Node's global fetch
// cannot take) when a render first touches the network, never before: requiring undici costs tens of
// milliseconds, and a render from the lock and the cache must not pay them. The build writes the
// parts we use as a script of their own beside the app script (`meshext.undici.js`, with V8's code
// cache beside it, as the validators have), kept out of the app script so that every start does not
// read them; from the sources (tsx, the tests) it is the undici package itself.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommonJsScript } from '../model/code-cache.ts';
import type { CachedScript } from '../model/code-cache.ts';

export type Undici = Pick<typeof import('undici'), 'Agent' | 'ProxyAgent' | 'fetch'>;

export const UNDICI_SCRIPT = 'meshext.undici.js';

let loading: Promise<Undici> | undefined;

export function loadUndici(): Promise<Undici> {
  return (loading ??= load());
}

async function load(): Promise<Undici> {
  // In the bundle this module's URL is the app script's, in dist/; from the sources it is src/resolve/.
  const script = fileURLToPath(new URL(`./${UNDICI_SCRIPT}`, import.meta.url));
  if (existsSync(script)) return runUndiciScript(script, `${script}.cache`).undici;
  return import('undici');
}

/** Runs the script the build made (a CommonJS function expression, like the app script); the build's warm-up takes its cache. */
export function runUndiciScript(script: string, cacheFile?: string): { readonly undici: Undici; readonly cached: CachedScript } {
  const { exports, cached } = runCommonJsScript<Undici>(script, cacheFile);
  return { undici: exports, cached };
}
