// Argument parsing shared by the commands: node:util parseArgs, usage errors as data.

import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

export type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/** Parses or returns the usage error text. */
export function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Parsed | string {
  try {
    const r = parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    return (e as Error).message;
  }
}
