// Printing diagnostics: the one place they become text, sorted, on stderr, each error with the
// source line it points at and a caret under the column (positions are carried from load to here).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.ts';
import { formatDiagnostic } from '../model/diagnostic.ts';
import { isPseudoFile } from '../model/where.ts';
import type { Io } from './io.ts';

/** `root`: the render root the diagnostics' file names are relative to, to quote their lines. */
export function printDiagnostics(io: Io, ds: readonly Diagnostic[], root?: string): void {
  const lines = new Map<string, string[] | undefined>();
  for (const d of ds) {
    io.stderr(`${formatDiagnostic(d)}\n`);
    if (d.severity !== 'error' || root === undefined || !d.file || !d.line || isPseudoFile(d.file)) continue;
    if (!lines.has(d.file)) lines.set(d.file, readLines(resolve(root, d.file)));
    const text = lines.get(d.file)?.[d.line - 1];
    if (text === undefined || text.length > 200) continue;
    io.stderr(`  ${String(d.line).padStart(4)} | ${text}\n       | ${' '.repeat(Math.max(0, (d.col ?? 1) - 1))}^\n`);
  }
  const errors = ds.filter((d) => d.severity === 'error').length;
  if (errors > 0) io.stderr(`meshext: ${errors} error${errors === 1 ? '' : 's'}; nothing was written\n`);
}

function readLines(path: string): string[] | undefined {
  try {
    // Declaration files are small (the loader refuses large ones); a failure just means no excerpt.
    return readFileSync(path, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
}

export function usageError(io: Io, command: string, message: string): number {
  io.stderr(`meshext ${command}: ${message}\nRun \`meshext ${command} --help\` for usage.\n`);
  return 2;
}
