// PATH arguments to the sorted list of input files and the render root (design §1, §6.1).

import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';

export interface InputFiles {
  /** Absolute directory every source annotation is relative to. */
  readonly root: string;
  /** Absolute paths, sorted by their root-relative form, without duplicates. */
  readonly files: readonly string[];
  readonly missing: readonly string[];
}

const PATTERN = '**/*.{yaml,yml,json}';
const IGNORE = ['**/node_modules/**', '**/.git/**'];

export function findInputFiles(paths: readonly string[], cwd: string): InputFiles {
  const absolute = (paths.length > 0 ? paths : ['.']).map((p) => resolve(cwd, p));
  const first = absolute[0]!;
  const firstStat = statOrUndefined(first);
  const root = firstStat?.isFile() ? dirname(first) : first;
  const found = new Set<string>();
  const missing: string[] = [];
  for (const p of absolute) {
    const st = statOrUndefined(p);
    if (!st) missing.push(p);
    else if (st.isFile()) found.add(p);
    else for (const f of fg.sync(PATTERN, { cwd: p, absolute: true, onlyFiles: true, ignore: IGNORE, followSymbolicLinks: false })) found.add(resolve(f));
  }
  const files = [...found].sort((a, b) => {
    const ra = toPosix(relative(root, a));
    const rb = toPosix(relative(root, b));
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
  return { root, files, missing };
}

/** Root-relative path with forward slashes, so annotations are the same on every OS. */
export function sourcePath(root: string, file: string): string {
  return toPosix(relative(root, file)) || toPosix(file.split(sep).pop() ?? file);
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
