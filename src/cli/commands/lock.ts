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
import type { ResolvedImage } from '../../model/image.ts';

const HELP = `Usage: meshext lock [PATH...] [options]

Resolves every image the declarations name (tags to digests, image defaults, loadability)
and writes meshext.lock beside the first PATH. Commit it: render uses its pins and never
re-resolves a tag until the next \`meshext lock\`. One lock serves every cluster: the images of
every Mesh's render are resolved.

Options:
  PATH...            files or directories of declarations (default .)
      --lock FILE    write this lock file instead
      --check        do not write; exit 1 if the lock is not up to date
  -n, --namespace NS the namespace of declarations that state none (as render's)
      --cluster NAME resolve afresh only the images this cluster uses; every other cluster's
                     stay as the lock pins them (e.g. a new canary tag in staging only)
${TIMEOUT_HELP}
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { lock: INPUT_OPTIONS.lock, namespace: INPUT_OPTIONS.namespace, cluster: INPUT_OPTIONS.cluster, ...TIMEOUT_OPTION, check: { type: 'boolean' } });
  if (typeof p === 'string') return usageError(io, 'lock', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const req = await requestOf(p, io, 'relock');
  if (typeof req === 'string') return usageError(io, 'lock', req);
  if (req.stdin) return usageError(io, 'lock', 'lock reads declarations from files, not stdin');
  // The lock is the fleet's: every cluster's images, whichever cluster is asked for.
  const fleet = { ...req, cluster: undefined, clusterFrom: undefined, allClusters: true, allowEmpty: true };
  let images: ReadonlyMap<string, ResolvedImage>;
  let result = await render(req.cluster === undefined ? fleet : { ...req, allowEmpty: true });
  if (result.exitCode === 0 && req.cluster !== undefined) {
    // That cluster's images afresh; the others as the lock has them (a render's resolution).
    const fresh = result.images;
    const diagnostics = result.diagnostics;
    result = await render({ ...fleet, mode: 'render' });
    images = new Map([...result.images, ...[...fresh].map(([k, r]) => [k, withOthersEvidence(r, result.images.get(k))] as const)]);
    result = { ...result, diagnostics: [...diagnostics, ...result.diagnostics] };
  } else images = result.images;
  printDiagnostics(io, result.diagnostics, result.root);
  if (result.exitCode !== 0) return result.exitCode;
  if (!result.lockFile) return usageError(io, 'lock', 'no lock file location: pass --lock FILE');
  const entries = new Map([...images].filter(([, r]) => r.format !== 'file'));
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
  const failed = writeAtomic(result.lockFile, text);
  if (failed !== undefined) return usageError(io, 'lock', `cannot write ${result.lockFile}: ${failed}; the lock is unchanged`);
  io.stderr(`meshext: wrote ${result.lockFile} (${entries.size} image${entries.size === 1 ? '' : 's'})\n`);
  return EXIT.ok;
};

/**
 * A cluster's fresh entry for an image other clusters use too: their policies' evidence (as the
 * fleet's render verified it) is kept while the pin has not moved, in the fleet's order, so the
 * lock is what `meshext lock` of the whole fleet writes. After a move it is about the old digest.
 */
function withOthersEvidence(fresh: ResolvedImage, fleet: ResolvedImage | undefined): ResolvedImage {
  if (fleet?.verified === undefined || fleet.digest !== fresh.digest || fleet.url !== fresh.url || fleet.moduleSha256 !== fresh.moduleSha256) return fresh;
  const own = fresh.verified ?? [];
  const verified = [...fleet.verified.map((v) => own.find((x) => x.policy === v.policy) ?? v), ...own.filter((x) => !fleet.verified!.some((v) => v.policy === x.policy))];
  return { ...fresh, verified };
}
