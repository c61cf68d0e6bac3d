// Rendered resources to bytes: a YAML stream, or one v1 List as JSON (docs/decisions.md, decision 13).

import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Emitted } from '../emit/emit-resources.ts';
import { toYamlStream, writeYamlBytes } from '../emit/to-yaml.ts';

export type Format = 'yaml' | 'json';

export function serialize(resources: readonly Emitted[], format: Format): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: resources }, null, 2)}\n`;
  return toYamlStream(resources);
}

/** A YAML stream written as it is made, whole file or nothing (as writeAtomic). */
export function writeStreamAtomic(path: string, stream: Iterable<Emitted>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeYamlBytes(stream, (bytes) => {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    });
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Whole file or nothing: written beside the target, then renamed over it. */
export function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
