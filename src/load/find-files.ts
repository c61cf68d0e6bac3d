// PATH arguments to the sorted list of input files and the render root (docs/decisions.md, decision 1).
// Input files are every *.yaml, *.yml and *.json under each PATH, sorted.
//
// A directory is walked here, on node:fs, not with fast-glob: loading fast-glob and its matchers
// cost about 10 ms of every render's start-up (docs/decisions.md, decision 16). The walk finds exactly the
// files fast-glob finds for `**/*.{yaml,yml,json}` with `ignore: ['**/node_modules/**',
// '**/.git/**']`, `followSymbolicLinks: false`, `onlyFiles: true` (test/find-files.test.ts builds
// trees and compares the two):
// - names starting with `.` are skipped, files and directories alike (fast-glob's `dot: false`;
//   `.git` is one of them). fast-glob still lists dot directories; nothing in them can match, so
//   the walk does not read them, and an unreadable one is no error.
// - a directory named `node_modules`, at any depth below the named directory, is not read.
// - extensions are case-sensitive: `x.YAML` is not an input.
// - symbolic links are neither followed nor listed, whether they point at a file or a directory
//   (fast-glob judges entries by lstat when it does not follow links); FIFOs and sockets are not
//   listed either. A link named on the command line is followed, as any named path is.
// - a directory named `x.yaml` is walked, not taken; any other name (spaces, `*`, `[`, `\`, a
//   newline, non-ASCII) is a plain name. (The old call's `absolute: true` made fast-glob turn a
//   `\` in a name into `/`, naming a file that does not exist: the render crashed. Not matched.)
// - a directory that vanishes during the walk is skipped, as fast-glob does; one that cannot be
//   read (EACCES, ...) is a FILE_READ error naming it, where fast-glob threw.
//
// A PATH that does not exist but is a glob pattern (fast-glob's isDynamicPattern, e.g.
// `teams/*/extensions`, for Argo CD parameters that no shell expands) is expanded with fast-glob,
// loaded only then: each match is taken as if it had been named, a directory walked and a file
// taken, whatever its extension. Matching follows the walk's rules: no dot entries unless the
// pattern spells them, nothing in node_modules, links listed but not descended through. A pattern
// that matches nothing is reported like a missing path.
//
// The render root (source annotations are relative to it; `meshext.lock` is looked for in it) is
// the first PATH, or its directory when it is a file (or a pipe). For a pattern it is the pattern's static
// prefix, the directory before the first segment holding a glob character (`teams` for
// `teams/*/extensions`, the working directory for `*/extensions`): every match lies under it,
// it does not depend on which match sorts first, and it is what the user named.

import { readdirSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.ts';

export interface InputFiles {
  /** Absolute directory every source annotation is relative to. */
  readonly root: string;
  /** Absolute paths, sorted by their root-relative form, without duplicates. */
  readonly files: readonly string[];
  /** Paths that do not exist, patterns that match nothing, directories that cannot be read. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Characters that may make a path segment a glob; a cheap test before fast-glob is loaded. */
const GLOB_CHAR = /[*?[\]{}()!\\]/;

export async function findInputFiles(paths: readonly string[], cwd: string): Promise<InputFiles> {
  const given = paths.length > 0 ? paths : ['.'];
  const stats = given.map((p) => statOrUndefined(resolve(cwd, p)));
  const patterns = new Set<string>();
  for (const [i, p] of given.entries()) if (!stats[i] && GLOB_CHAR.test(p) && (await fastGlob()).isDynamicPattern(p)) patterns.add(p);

  const first = resolve(cwd, given[0]!);
  const root = patterns.has(given[0]!) ? staticPrefix(given[0]!, cwd) : stats[0] && !stats[0].isDirectory() ? dirname(first) : first;
  const found = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const take = (abs: string, st = statOrUndefined(abs)) => {
    if (!st) diagnostics.push({ code: 'FILE_READ', severity: 'error', message: `no such file or directory: ${abs}` });
    else if (st.isDirectory()) for (const f of walk(abs, root, diagnostics)) found.add(f);
    else found.add(abs); // a file, or a pipe such as `<(cat x.yaml)`: read as given
  };
  for (const [i, p] of given.entries()) {
    const abs = resolve(cwd, p);
    if (!patterns.has(p)) take(abs, stats[i]);
    else {
      const matches = await expand(p, cwd, root, diagnostics);
      if (matches?.length === 0) diagnostics.push({ code: 'FILE_READ', severity: 'error', message: `no file or directory matches: ${abs}` });
      for (const m of matches ?? []) take(m); // a link whose target is gone is missing, as when named
    }
  }
  const files = [...found].sort((a, b) => {
    const ra = toPosix(relative(root, a));
    const rb = toPosix(relative(root, b));
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
  return { root, files, diagnostics };
}

/**
 * Every `*.yaml`, `*.yml` and `*.json` file under `dir`, by the rules at the top of this file, in
 * no particular order; directories that cannot be read are reported to `diagnostics`.
 */
export function walk(dir: string, root: string, diagnostics: Diagnostic[]): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      if (code !== 'ENOENT') diagnostics.push({ code: 'FILE_READ', severity: 'error', message: `cannot read directory: ${code}`, file: sourcePath(root, d) });
      continue;
    }
    for (const e of entries) {
      const name = e.name;
      if (name.startsWith('.')) continue;
      if (e.isDirectory()) {
        if (name !== 'node_modules') stack.push(join(d, name));
      } else if (e.isFile() && (name.endsWith('.yaml') || name.endsWith('.yml') || name.endsWith('.json'))) out.push(join(d, name));
    }
  }
  return out;
}

/** Root-relative path with forward slashes, so annotations are the same on every OS. */
export function sourcePath(root: string, file: string): string {
  return toPosix(relative(root, file)) || toPosix(file.split(sep).pop() ?? file);
}

type FastGlob = typeof import('fast-glob');

let loaded: FastGlob | undefined;

/** fast-glob, loaded on first use: an `import()` of its own chunk, outside every render's start-up. */
async function fastGlob(): Promise<FastGlob> {
  loaded ??= (await import('fast-glob')).default;
  return loaded;
}

/** Absolute paths matching `pattern`, sorted; undefined when a directory could not be read (reported). */
async function expand(pattern: string, cwd: string, root: string, diagnostics: Diagnostic[]): Promise<string[] | undefined> {
  const fg = await fastGlob();
  try {
    // Not `absolute: true`, with which fast-glob also turns a `\` in a name into `/`.
    return fg.sync(pattern, { cwd, onlyFiles: false, followSymbolicLinks: false, ignore: ['**/node_modules/**', '**/.git/**'] }).map((m) => resolve(cwd, m)).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    diagnostics.push({ code: 'FILE_READ', severity: 'error', message: `cannot read directory: ${err.code ?? 'error'} (expanding ${pattern})`, ...(err.path ? { file: sourcePath(root, resolve(cwd, err.path)) } : {}) });
    return undefined;
  }
}

/** The directory before the first segment of `pattern` that holds a glob character. */
function staticPrefix(pattern: string, cwd: string): string {
  const segments = pattern.split('/');
  let i = 0;
  while (i < segments.length - 1 && !GLOB_CHAR.test(segments[i]!)) i++;
  const prefix = segments.slice(0, i).join('/');
  return resolve(cwd, prefix === '' && pattern.startsWith('/') ? '/' : prefix);
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
