// Builds the live OCI resolver on first use only: a render served from the lock never loads it.

import { join } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { nowMs } from '../model/clock.ts';
import type { LiveResolverLike } from '../resolve/resolve-images.ts';
import type { Io } from './io.ts';
import type { Timeout } from './_timeout.ts';

/** $XDG_CACHE_HOME/meshext, else a temp directory of this user's own (never one shared by all users). */
export function cacheDirOf(env: Io['env']): string {
  return env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'meshext') : join(tmpdir(), `meshext-cache-${userInfo().uid}`);
}

/** `timeout` counts from `start` (`nowMs()` when the command started). */
export function liveResolverFactory(io: Io, timeout: Timeout, start: number = nowMs()): (opts: { insecureRegistries: readonly string[]; offline: boolean }) => Promise<LiveResolverLike> {
  return async ({ insecureRegistries, offline }) => {
    const [{ createLiveResolver }, { createDeadline }] = await Promise.all([import('../resolve/live-resolver.ts'), import('../resolve/deadline.ts')]);
    let last = '';
    return createLiveResolver({
      deadline: createDeadline({ start, ms: timeout.ms, source: timeout.source }),
      cacheDir: cacheDirOf(io.env),
      env: io.env,
      insecureRegistries,
      offline,
      // Registry round trips dominate a cold render; 32 in flight resolves a typical repository in one round.
      concurrency: 32,
      log: (line) => io.stderr(`${line}\n`),
      onProgress: io.stderrIsTTY
        ? (done, total) => {
            const text = `\rresolving images ${done}/${total}${done === total ? '\n' : ''}`;
            if (text !== last) io.stderr((last = text));
          }
        : undefined,
    });
  };
}
