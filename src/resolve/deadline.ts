// A deadline for a whole render: one AbortSignal every request, retry and credential helper of
// the render listens to, the time left (so no timeout or retry is planned past it), and a record
// of the work still in flight, so that the error at the deadline can say what each reference was
// waiting for. Argo CD kills a generator that runs too long and reports only the kill; stopping
// first with our own error is the whole point.

import { AsyncLocalStorage } from 'node:async_hooks';
import { redactUrl } from './registry-error.ts';
import { nowMs } from '../model/clock.ts';

export interface Deadline {
  /** Aborted when the deadline passes, after the pending work has been recorded. */
  readonly signal: AbortSignal;
  /** The limit as the user gave it, for messages: `2s, from --timeout`. */
  readonly source: string;
  /** Milliseconds left; 0 once passed. */
  remaining(): number;
  /** Runs `run` as the work of `ref`: its requests are recorded under that reference. */
  within<T>(ref: string, run: () => Promise<T>): Promise<T>;
  /** Records one request of the current reference until `end()`. */
  watch(method: string, url: string): RequestWatch;
  /**
   * What each of `refs` not yet done was waiting for when the deadline passed (`redact` hides
   * secrets in URLs). Never settles if the deadline does not pass.
   */
  expired(refs: readonly string[], redact: (text: string) => string): Promise<ReadonlyMap<string, string>>;
}

export interface RequestWatch {
  /** The request moved to another URL (a redirect, the plain-HTTP fallback). */
  at(url: string): void;
  /** Response headers arrived, declaring a length or not. */
  answered(length: number | undefined): void;
  /** Body bytes read so far. */
  received(bytes: number): void;
  end(): void;
}

interface Request {
  readonly method: string;
  url: string;
  readonly step: string;
  readonly since: number;
  answered: boolean;
  length: number | undefined;
  bytes: number;
}

interface Work {
  readonly requests: Set<Request>;
}

export interface DeadlineOptions {
  /** When the render started, in `nowMs()` milliseconds (model/clock.ts): the limit counts from there. */
  readonly start: number;
  readonly ms: number;
  readonly source: string;
  readonly now?: () => number;
}

export function createDeadline(opts: DeadlineOptions): Deadline {
  const now = opts.now ?? nowMs;
  const end = opts.start + opts.ms;
  const ac = new AbortController();
  const started = new Map<string, Work>();
  const done = new Set<string>();
  const current = new AsyncLocalStorage<Work>();
  const onExpire: (() => void)[] = [];
  let passed = false;
  const expire = (): void => {
    if (passed) return;
    passed = true;
    // Recorded first: aborting ends the requests, and with them what they were waiting for.
    for (const f of onExpire.splice(0)) f();
    ac.abort(new Error(`the render's deadline (${opts.source}) passed`));
  };
  // unref: a render that finishes early must not wait for the timer to exit.
  setTimeout(expire, Math.max(0, end - now())).unref();

  function describe(ref: string, redact: (text: string) => string): string {
    const work = started.get(ref);
    if (work === undefined) return 'not started before the deadline';
    const lines = [...work.requests].map((r) => {
      const url = redact(redactUrl(r.url));
      const secs = `${((now() - r.since) / 1000).toFixed(1)} s`;
      const state = r.answered ? `${r.bytes} of ${r.length ?? '?'} bytes after ${secs}` : `no answer after ${secs}`;
      return `waiting for ${r.step} (${r.method} ${url}), ${state}`;
    });
    return lines.length > 0 ? lines.join('; ') : 'between requests (credentials, the cache, or checking the module)';
  }

  return {
    signal: ac.signal,
    source: opts.source,
    remaining: () => (passed ? 0 : Math.max(0, end - now())),
    async within(ref, run) {
      const work: Work = { requests: new Set() };
      started.set(ref, work);
      done.delete(ref);
      try {
        return await current.run(work, run);
      } finally {
        if (!passed) done.add(ref);
      }
    },
    watch(method, url) {
      const work = current.getStore();
      const r: Request = { method, url, step: stepOf(url), since: now(), answered: false, length: undefined, bytes: 0 };
      work?.requests.add(r);
      return {
        at: (u) => void (r.url = u),
        answered: (length) => {
          r.answered = true;
          r.length = length;
        },
        received: (bytes) => void (r.bytes = bytes),
        end: () => void work?.requests.delete(r),
      };
    },
    expired(refs, redact) {
      return new Promise((resolve) => {
        const report = (): void => resolve(new Map(refs.filter((r) => !done.has(r)).map((r) => [r, describe(r, redact)])));
        if (passed) report();
        else onExpire.push(report);
      });
    },
  };
}

/** What a request fetches, from its URL: the registry API's paths, a token, or the module itself. */
function stepOf(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'an answer';
  }
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(u.pathname)) return 'the manifest';
  const blob = /^\/v2\/.+\/blobs\/([a-z0-9]+):([a-f0-9]{12})[a-f0-9]*$/.exec(u.pathname);
  if (blob) return `blob ${blob[1]}:${blob[2]}…`;
  if (/^\/v2\/?$/.test(u.pathname)) return "the registry's API check";
  if (u.searchParams.has('scope') || u.searchParams.has('service')) return 'a token';
  return 'the download';
}
