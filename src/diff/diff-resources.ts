// What a change to the declarations changes in the output: previous rendered stream vs the
// new one, resource by resource (keyed by kind/namespace/name), as unified diffs for review.

import { createPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import type { Emitted } from '../emit/emit-resources.ts';
import { toYaml } from '../emit/to-yaml.ts';
import type { Plain } from '../emit/to-yaml.ts';
import { parseJsonAsWritten } from '../load/parse-json-as-written.ts';
import { toJsAsWritten } from '../load/parse-yaml-library.ts';

export interface ResourceDiff {
  readonly text: string;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** Parses a previous output: a YAML stream or a JSON v1 List; config keys in written order, as a render writes them. */
export function parsePreviousOutput(text: string): Plain[] | string {
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith('{')) {
      const list = parseJsonAsWritten(text) as { items?: Plain[] };
      return Array.isArray(list.items) ? list.items : [list as Plain];
    }
    const out: Plain[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) return doc.errors[0]!.message.split('\n')[0]!;
      const v = toJsAsWritten(doc, { maxAliasCount: 100 }) as Plain;
      if (v !== null) out.push(v);
    }
    return out;
  } catch (e) {
    return (e as Error).message;
  }
}

export function diffResources(before: readonly Plain[], after: readonly Emitted[]): ResourceDiff {
  const old = byKey(before);
  const now = byKey(after as Plain[]);
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort();
  const parts: string[] = [];
  let added = 0;
  let removed = 0;
  let changed = 0;
  for (const k of keys) {
    const a = old.has(k) ? toYaml(old.get(k)!) : '';
    const b = now.has(k) ? toYaml(now.get(k)!) : '';
    if (a === b) continue;
    if (!a) added++;
    else if (!b) removed++;
    else changed++;
    const patch = createPatch(k, a, b, a ? 'before' : '(absent)', b ? 'after' : '(removed)', { context: 3 }).replace(/^Index: .*\n=+\n/, '');
    parts.push(patch.endsWith('\n') ? patch : `${patch}\n`);
  }
  return { text: parts.join(''), added, removed, changed };
}

function byKey(objs: readonly Plain[]): Map<string, Plain> {
  const m = new Map<string, Plain>();
  for (const o of objs) {
    const r = o as { kind?: string; metadata?: { name?: string; namespace?: string } };
    m.set(`${r.kind ?? '?'}/${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? '?'}`, o);
  }
  return m;
}
