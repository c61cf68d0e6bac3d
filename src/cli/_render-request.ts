// The options render, lock, validate and explain share, and the request they build.

import { resolve } from 'node:path';
import type { RenderRequest } from '../render.ts';
import type { Io } from './io.ts';
import type { Parsed } from './_args.ts';
import { liveResolverFactory } from './_live.ts';

export const INPUT_OPTIONS = {
  lock: { type: 'string' },
  offline: { type: 'boolean' },
  locked: { type: 'boolean' },
  'allow-empty': { type: 'boolean' },
} as const;

export const INPUT_HELP = `  PATH...            files or directories of declarations (default .); - reads stdin
      --lock FILE    lock file (default: meshext.lock in the first PATH's directory)
      --offline      use only the lock and the cache; never touch the network
      --locked       fail where the lock would change (missing entry, moved tag)
      --allow-empty  print an empty stream instead of failing when nothing is declared`;

export async function requestOf(p: Parsed, io: Io, mode: RenderRequest['mode']): Promise<RenderRequest> {
  const stdin = p.positionals.length === 1 && p.positionals[0] === '-' ? await io.stdin() : undefined;
  return {
    paths: stdin ? [] : p.positionals,
    cwd: io.cwd,
    stdin,
    lockPath: typeof p.values.lock === 'string' ? resolve(io.cwd, p.values.lock) : undefined,
    offline: p.values.offline === true,
    locked: p.values.locked === true,
    allowEmpty: p.values['allow-empty'] === true,
    mode,
    live: liveResolverFactory(io),
  };
}
