// V8 code caches beside the scripts the build writes (dist/meshext.app.js, dist/_generated/*.js).
// V8 checks a cache only against its own version number, which Node releases of one line can share,
// and the source's length: a cache another such release made is taken and runs the wrong code (a
// crash at start-up), and so is one left from another build of a same-length script. So each cache file
// starts with a stamp naming the Node, the platform and the script (its length and first line,
// where the build puts a hash of it); a cache whose stamp differs is not handed to V8, and the
// script compiles as usual: slower, never wrong. (A cache corrupted in place is not detected:
// checking a checksum would cost more start-up time than the cache saves.)

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import type { ScriptOptions } from 'node:vm';

/** The stamp a cache of `source` made by this Node carries, padded to 8 bytes so the data after it stays aligned. */
export function cacheStamp(source: string): string {
  const nl = source.indexOf('\n');
  const tag = nl < 0 ? '' : source.slice(0, nl);
  const line = `meshext-code-cache ${process.version} ${process.platform}-${process.arch} v8-${process.versions.v8} ${source.length} ${tag}`;
  return `${line.padEnd(Math.ceil((line.length + 1) / 8) * 8 - 1)}\n`;
}

/** The cache in `file` for `source`, if this Node made it for this script; undefined otherwise. */
export function readCodeCache(file: string, source: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined; // no cache: only time is lost
  }
  const stamp = cacheStamp(source);
  if (bytes.length <= stamp.length || bytes.toString('latin1', 0, stamp.length) !== stamp) return undefined;
  return bytes.subarray(stamp.length);
}

export interface CachedScript {
  /** The script's completion value. */
  readonly value: unknown;
  readonly source: string;
  /** `createCachedData()` gives the cache the build writes for it. */
  readonly script: Script;
}

/** Runs the script `file` (an absolute path), with the cache in `cacheFile` when this Node made it for this script. */
export function runCachedScript(file: string, cacheFile?: string, options: Pick<ScriptOptions, 'importModuleDynamically'> = {}): CachedScript {
  const source = readFileSync(file, 'utf8');
  const cachedData = cacheFile === undefined ? undefined : readCodeCache(cacheFile, source);
  const script = new Script(source, { ...options, filename: file, cachedData });
  return { value: script.runInThisContext(), source, script };
}

/**
 * Runs a script the build wrapped as a CommonJS function expression, `(exports, require, module,
 * __filename, __dirname, ...extra)` (the app script, the HTTP client's script), with its cache:
 * what the script exported, and the script itself for the warm-up to take its cache from.
 */
export function runCommonJsScript<T>(file: string, cacheFile?: string, options: Pick<ScriptOptions, 'importModuleDynamically'> = {}, extra: readonly unknown[] = []): { readonly exports: T; readonly cached: CachedScript } {
  const cached = runCachedScript(file, cacheFile, options);
  const module = { exports: {} as T };
  (cached.value as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file), ...extra);
  return { exports: module.exports, cached };
}

/** Writes `data`, V8's cache of `source`, behind its stamp (scripts/build.mjs and the warm-up). */
export function writeCodeCache(file: string, source: string, data: Buffer): void {
  writeFileSync(file, Buffer.concat([Buffer.from(cacheStamp(source), 'latin1'), data]));
}
