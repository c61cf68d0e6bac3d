// Builds the live OCI resolver on first use only: a render served from the lock never loads it.

import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { LiveResolverLike } from '../resolve/resolve-images.ts';
import type { Io } from './io.ts';

export function cacheDirOf(env: Io['env']): string {
  return env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'meshext') : join(tmpdir(), 'meshext-cache');
}

export function liveResolverFactory(io: Io): (insecureRegistries: readonly string[]) => Promise<LiveResolverLike> {
  return async (insecureRegistries) => {
    const { createLiveResolver } = await import('../resolve/live-resolver.ts');
    let last = '';
    return createLiveResolver({
      cacheDir: cacheDirOf(io.env),
      env: io.env,
      insecureRegistries,
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
