// Rendered resources to bytes: a YAML stream, or one v1 List as JSON (docs/decisions.md, decision 13).

import { writeFileSync, renameSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Emitted } from '../emit/emit-resources.ts';
import { toYamlStream } from '../emit/to-yaml.ts';

export type Format = 'yaml' | 'json';

export function serialize(resources: readonly Emitted[], format: Format): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: resources }, null, 2)}\n`;
  return toYamlStream(resources);
}

/** Whole file or nothing: written beside the target, then renamed over it. */
export function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
