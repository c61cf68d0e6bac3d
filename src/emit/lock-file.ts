// meshext.lock as text: deterministic YAML through the one serializer (read by resolve/lock.ts).

import type { ImageDefaults } from '../model/image.ts';
import type { Verification } from '../model/trust.ts';
import type { Lock } from '../resolve/lock.ts';
import { toYaml } from './to-yaml.ts';
import type { Plain } from './to-yaml.ts';

const HEADER = '# Written by `meshext lock`. Commit it: render uses these pins until the next `meshext lock`.\n';

export function stringifyLock(lock: Lock): string {
  const images: Record<string, Plain> = {};
  for (const key of [...lock.keys()].sort()) {
    const e = lock.get(key)!;
    const entry: Record<string, Plain> = { url: e.url };
    if (e.digest !== undefined) entry.digest = e.digest;
    if (e.index !== undefined) entry.index = e.index;
    entry.format = e.format;
    if (e.moduleSha256 !== undefined) entry.moduleSha256 = e.moduleSha256;
    entry.defaults = defaultsOf(e.defaults);
    if (e.verified !== undefined && e.verified.length > 0) entry.verified = e.verified.map(verifiedOf);
    images[key] = entry;
  }
  return HEADER + toYaml({ apiVersion: 'meshext.dev/v1alpha1', kind: 'Lock', images });
}

function defaultsOf(d: ImageDefaults): Record<string, Plain> {
  const o: Record<string, Plain> = {};
  if (d.phase !== undefined) o.phase = d.phase;
  if (d.priority !== undefined) o.priority = d.priority;
  if (d.rootIds !== undefined) o.rootIds = [...d.rootIds];
  return o;
}

function verifiedOf(v: Verification): Record<string, Plain> {
  const o: Record<string, Plain> = { policy: v.policy, by: v.verifiedBy, signedDigest: v.signedDigest };
  if (v.index !== undefined) o.index = v.index;
  o.evidence = v.evidence.map((e) => {
    const x: Record<string, Plain> = { at: e.at, bundle: e.bundle };
    if (e.payload !== undefined) x.payload = e.payload;
    return x;
  });
  return o;
}
