// meshext lock: resolve every image reference afresh and write meshext.lock.

import { readFileSync } from 'node:fs';
import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { INPUT_OPTIONS, requestOf, TIMEOUT_HELP, TIMEOUT_OPTION } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { writeAtomic } from '../_output.ts';
import { render } from '../../render.ts';
import { stringifyLock } from '../../emit/lock-file.ts';

const HELP = `Usage: meshext lock [PATH...] [options]

Resolves every image the declarations name (tags to digests, image defaults, loadability)
and writes meshext.lock beside the first PATH. Commit it: render uses its pins and never
re-resolves a tag until the next \`meshext lock\`.

Options:
  PATH...            files or directories of declarations (default .)
      --lock FILE    write this lock file instead
      --check        do not write; exit 1 if the lock is not up to date
  -n, --namespace NS the namespace of declarations that state none (as render's)
${TIMEOUT_HELP}
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { lock: INPUT_OPTIONS.lock, namespace: INPUT_OPTIONS.namespace, ...TIMEOUT_OPTION, check: { type: 'boolean' } });
  if (typeof p === 'string') return usageError(io, 'lock', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const req = await requestOf(p, io, 'relock');
  if (typeof req === 'string') return usageError(io, 'lock', req);
  if (req.stdin) return usageError(io, 'lock', 'lock reads declarations from files, not stdin');
  const result = await render({ ...req, allowEmpty: true });
  printDiagnostics(io, result.diagnostics, result.root);
  if (result.exitCode !== 0) return result.exitCode;
  if (!result.lockFile) return usageError(io, 'lock', 'no lock file location: pass --lock FILE');
  const entries = new Map([...result.images].filter(([, r]) => r.format !== 'file'));
  const text = stringifyLock(entries);
  if (p.values.check) {
    let current = '';
    try {
      current = readFileSync(result.lockFile, 'utf8');
    } catch {
      // missing: not up to date
    }
    if (current !== text) {
      io.stderr(`meshext lock: ${result.lockFile} is not up to date; run meshext lock\n`);
      return EXIT.invalid;
    }
    return EXIT.ok;
  }
  writeAtomic(result.lockFile, text);
  io.stderr(`meshext: wrote ${result.lockFile} (${entries.size} image${entries.size === 1 ? '' : 's'})\n`);
  return EXIT.ok;
};
