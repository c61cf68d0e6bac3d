// Argument parsing shared by the commands: node:util parseArgs, usage errors as data.

import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

export type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/**
 * Every command that reads declarations (they all take -n) also takes --cluster NAME: a repository
 * may hold a Mesh per cluster, and the render is for one of them (`requestOf` reads it).
 */
export const CLUSTER_OPTION = { cluster: { type: 'string' } } as const;

/** Parses or returns the usage error text. */
export function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Parsed | string {
  try {
    const all = 'namespace' in options ? { ...CLUSTER_OPTION, ...options } : options;
    const r = parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' }, ...all }, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    return (e as Error).message;
  }
}
