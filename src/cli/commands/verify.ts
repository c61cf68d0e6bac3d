// meshext verify: what the Mesh's trust policies conclude about every image, and why.

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { ALL_CLUSTERS_OPTION, INPUT_OPTIONS, requestOf, TIMEOUT_HELP, TIMEOUT_OPTION } from '../_render-request.ts';
import { printDiagnostics, usageError } from '../_report.ts';
import { render } from '../../render.ts';
import type { ImageReport } from '../../resolve/verify-images.ts';

const HELP = `Usage: meshext verify [PATH...] [options]

Checks every image the declarations name against the Mesh's spec.trust policies, as render
does, and prints per image what was looked at and found (formats, digests, identities), which
policies cover it and why each passed or failed. Evidence comes from the lock first (re-verified
against the trusted root), else from the registry. Exit 0 when every image passes, 3 when one
fails (in mode warn too), 1 for invalid input.

Options:
  PATH...            files or directories of declarations (default .)
      --format F     text (default) or json
      --lock FILE    lock file (default: meshext.lock in the first PATH's directory)
      --offline      use only the lock and the cache; never touch the network
  -n, --namespace NS the namespace of declarations that state none (as render's)
      --cluster NAME the cluster whose Meshes' policies apply (needed when the Meshes name several)
      --all-clusters every cluster, each Mesh's images against its own policies
${TIMEOUT_HELP}
  -h, --help         show this help
`;

export const run: Command = async (args, io) => {
  const p = parse(args, { lock: INPUT_OPTIONS.lock, offline: INPUT_OPTIONS.offline, namespace: INPUT_OPTIONS.namespace, cluster: INPUT_OPTIONS.cluster, ...ALL_CLUSTERS_OPTION, ...TIMEOUT_OPTION, format: { type: 'string' } });
  if (typeof p === 'string') return usageError(io, 'verify', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const format = p.values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usageError(io, 'verify', `--format must be text or json, not "${String(format)}"`);
  const req = await requestOf(p, io, 'render');
  if (typeof req === 'string') return usageError(io, 'verify', req);
  const result = await render({ ...req, allowEmpty: true, checkAllSignatures: true });
  printDiagnostics(io, result.diagnostics, result.root);
  const reports = result.trust;
  if (reports === undefined) {
    if (result.exitCode !== 0) return result.exitCode;
    io.stderr('meshext verify: no Mesh of this render declares spec.trust, so there is nothing to verify\n');
    return EXIT.invalid;
  }
  // An image left unchecked (unusable policy material, invalid input) is no pass either.
  const failed = result.exitCode !== 0 || reports.some(failedImage);
  io.stdout(format === 'json' ? `${JSON.stringify({ passed: !failed, images: reports.map(toJson) }, null, 2)}\n` : reports.map(toText).join(''));
  if (result.exitCode !== 0) return result.exitCode;
  return failed ? EXIT.resolve : EXIT.ok;
};

function failedImage(r: ImageReport): boolean {
  return r.unmatched === 'deny' || r.policies.some((p) => !p.ok);
}

function toText(r: ImageReport): string {
  const lines = [`${r.ref}${r.digest ? ` (${r.digest})` : ''}: ${failedImage(r) ? 'FAILED' : 'passed'}`];
  if (r.unmatched) lines.push(`  no policy covers it; unmatched: ${r.unmatched}`);
  if (r.lookedAt.length > 0) lines.push(`  looked at: ${r.lookedAt.join(', ')}`);
  for (const p of r.policies) {
    const v = p.verification;
    lines.push(p.ok && v ? `  policy ${p.policy}: passed, signed by ${v.verifiedBy} on ${v.signedDigest} (evidence from the ${p.message})` : `  policy ${p.policy}: FAILED: ${p.message}`);
    for (const c of p.checked) {
      const what = [c.at, c.digest, c.kind, c.predicateType, c.identity && `by ${c.identity}`].filter((x) => x !== undefined && x !== '').join(', ');
      lines.push(`    ${what}: ${c.accepted ? 'accepted' : `rejected: ${c.result}`}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function toJson(r: ImageReport): unknown {
  return {
    ref: r.ref,
    ...(r.digest ? { digest: r.digest } : {}),
    passed: !failedImage(r),
    ...(r.unmatched ? { unmatched: r.unmatched } : {}),
    lookedAt: r.lookedAt,
    policies: r.policies.map((p) => ({
      policy: p.policy,
      passed: p.ok,
      ...(p.ok && p.verification ? { verifiedBy: p.verification.verifiedBy, signedDigest: p.verification.signedDigest, evidenceFrom: p.message } : { reason: p.message }),
      checked: p.checked,
    })),
  };
}
