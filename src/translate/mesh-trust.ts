// A Mesh's spec.trust to the Trust model. The schema has checked the shape; this keeps where each
// value was written (so an unreadable key or a policy that fails points at its line) and refuses
// what the schema cannot see: two policies with one name, which the lock and the reports tell apart by name.

import type { LoadedDocument } from '../load/parse-documents.ts';
import type { Sink } from '../model/diagnostic.ts';
import type { KeylessIdentity, KeySource, Trust, TrustPolicy, TrustSite } from '../model/trust.ts';
import { at, formatPath } from '../model/where.ts';
import type { FieldPath } from '../model/where.ts';
import { obj, str, strings } from './_fields.ts';
import { originOf } from './_origin.ts';

/** Inline PEM starts with its armour line; anything else in `keys` is a path. */
const PEM = /^\s*-----BEGIN /;

export function buildTrust(doc: LoadedDocument, report: Sink): Trust | undefined {
  const spec = obj(doc.value.spec);
  if (spec.trust === undefined) return undefined;
  const trust = obj(spec.trust);
  const site = (path: FieldPath): TrustSite => {
    const [line, col] = doc.locate(path);
    return { file: doc.file, line, col, field: formatPath(path) };
  };
  const base = ['spec', 'trust'];
  const seen = new Map<string, number>();
  const policies: TrustPolicy[] = [];
  (Array.isArray(trust.policies) ? trust.policies : []).forEach((raw, i) => {
    const p = obj(raw);
    const here = [...base, 'policies', i];
    const name = str(p.name) ?? '';
    const first = seen.get(name);
    if (first !== undefined) {
      report(at(originOf(doc), [...here, 'name'], 'MESH_CONFLICT', `trust policy "${name}" is declared twice (first at spec.trust.policies[${first}]); names must be unique`));
      return;
    }
    seen.set(name, i);
    const keys: KeySource[] = (Array.isArray(p.keys) ? p.keys : []).flatMap((k, j) => {
      const text = str(k);
      if (text === undefined) return [];
      const s = site([...here, 'keys', j]);
      return [PEM.test(text) ? { pem: text, at: s } : { path: text, at: s }];
    });
    const keyless: KeylessIdentity[] = (Array.isArray(p.keyless) ? p.keyless : []).map((raw2, j) => {
      const k = obj(raw2);
      const repo = str(k.sourceRepository);
      return { issuer: str(k.issuer) ?? '', subject: str(k.subject) ?? '', ...(repo !== undefined ? { sourceRepository: repo } : {}), at: site([...here, 'keyless', j]) };
    });
    policies.push({
      name,
      images: strings(p.images) ?? [],
      keys,
      keyless,
      attestations: (Array.isArray(p.attestations) ? p.attestations : []).flatMap((a) => strings([obj(a).predicateType]) ?? []),
      requireTransparencyLog: p.requireTransparencyLog === true,
      at: site(here),
    });
  });
  const root = str(trust.trustedRoot);
  return {
    mode: trust.mode === 'warn' ? 'warn' : 'enforce',
    unmatched: trust.unmatched === 'allow' ? 'allow' : 'deny',
    ...(root !== undefined ? { trustedRoot: { path: root, at: site([...base, 'trustedRoot']) } } : {}),
    policies,
    at: site(base),
  };
}
