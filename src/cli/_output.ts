// Rendered resources to bytes: a YAML stream, or one v1 List as JSON (docs/decisions.md, decision 13).

import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Emitted } from '../emit/emit-resources.ts';
import { toYamlStream, writeYamlBytes } from '../emit/to-yaml.ts';

export type Format = 'yaml' | 'json';

export function serialize(resources: readonly Emitted[], format: Format): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: resources }, null, 2)}\n`;
  return toYamlStream(resources);
}

/**
 * A YAML stream written, as it is made, into a new file beside `path`, whose name is returned: the
 * caller renames it over `path` once it wants the file in place. On failure nothing is left.
 */
export function writeStreamBeside(path: string, stream: Iterable<Emitted>): string {
  return fillBeside(path, (fd) =>
    writeYamlBytes(stream, (bytes) => {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    }),
  );
}

/** `text` in a new file beside `path`, whose name is returned (as writeStreamBeside). */
export function writeBeside(path: string, text: string): string {
  return fillBeside(path, (fd) => writeFileSync(fd, text));
}

/**
 * Whole file or nothing: written beside the target, then renamed over it. Undefined when written;
 * otherwise why not (the errno code), with nothing left behind.
 */
export function writeAtomic(path: string, text: string): string | undefined {
  try {
    renameSync(writeBeside(path, text), path);
    return undefined;
  } catch (e) {
    rmSync(besideOf(path), { force: true });
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/** The temporary file a whole-or-nothing write fills beside `path`. */
const besideOf = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

function fillBeside(path: string, fill: (fd: number) => void): string {
  const tmp = besideOf(path);
  const fd = openSync(tmp, 'w');
  try {
    fill(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  return tmp;
}
