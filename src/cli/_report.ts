// Printing diagnostics: the one place they become text, sorted, on stderr.

import type { Diagnostic } from '../model/diagnostic.ts';
import { formatDiagnostic } from '../model/diagnostic.ts';
import type { Io } from './io.ts';

export function printDiagnostics(io: Io, ds: readonly Diagnostic[]): void {
  for (const d of ds) io.stderr(`${formatDiagnostic(d)}\n`);
  const errors = ds.filter((d) => d.severity === 'error').length;
  if (errors > 0) io.stderr(`meshext: ${errors} error${errors === 1 ? '' : 's'}; nothing was written\n`);
}

export function usageError(io: Io, command: string, message: string): number {
  io.stderr(`meshext ${command}: ${message}\nRun \`meshext ${command} --help\` for usage.\n`);
  return 2;
}
