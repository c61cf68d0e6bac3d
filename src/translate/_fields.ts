// Small conversions every translator shares.

import type { PluginConfig } from '../model/extension.ts';
import { parseJsonAsWritten } from '../load/parse-json-as-written.ts';

export type Json = Readonly<Record<string, unknown>>;

export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

export function labels(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = String(val);
  return out;
}

/**
 * A config value as docs/decisions.md, decision 9 reads it: a string holding a JSON object is parsed;
 * any other string is kept raw; anything else is JSON as written.
 */
export function pluginConfigOf(v: unknown): PluginConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return { json: v };
  try {
    const parsed = parseJsonAsWritten(v);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { json: parsed };
  } catch (e) {
    // Not JSON: raw below. Anything else (the stack, on absurdly deep JSON) is no reason to call it raw.
    if (!(e instanceof SyntaxError)) throw e;
  }
  return { raw: v };
}

/** Drops undefined members so translated objects hold only what was declared. */
export function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
