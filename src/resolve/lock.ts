// meshext.lock: the pins and facts of every image reference, deterministic YAML.
// parseLock is pure; readLock is its I/O shell, so parsing is tested without files. emit/lock-file.ts writes it.

import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { ResolvedImage } from '../model/image.ts';
import { loadBytes } from '../load/read-input.ts';
import { validateDocument } from '../schema/validate-document.ts';
import { formatPath } from '../model/where.ts';
import { parseImageRef, pinnedUrl } from './reference.ts';
import type { Evidence, Verification } from '../model/trust.ts';

/** A lock entry as written: the verification keeps the file's short key `by`. */
type LockEntry = Omit<ResolvedImage, 'ref' | 'verified'> & { readonly verified?: readonly LockVerification[] };
interface LockVerification {
  readonly policy: string;
  readonly by: string;
  readonly signedDigest: string;
  readonly index?: string;
  readonly evidence: readonly Evidence[];
}

/** Reference → resolution; `where` gives an entry's position in the lock file, for diagnostics. */
export type Lock = ReadonlyMap<string, ResolvedImage> & { readonly where?: (key: string) => readonly [number, number] };

export const LOCK_FILE = 'meshext.lock';

export async function readLock(path: string, file: string, report: (d: Diagnostic) => void): Promise<Lock | undefined> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    report({ code: 'LOCK_INVALID', severity: 'error', message: `cannot read the lock: ${(e as NodeJS.ErrnoException).code}`, file });
    return new Map();
  }
  return parseLock(bytes, file, report);
}

export async function parseLock(bytes: Buffer, file: string, report: (d: Diagnostic) => void): Promise<Lock> {
  const docs = await loadBytes(bytes, file, report);
  const lock = new Map<string, ResolvedImage>();
  if (docs.length !== 1) {
    if (docs.length > 1) {
      const [line, col] = docs[1]!.locate([]);
      report({ code: 'LOCK_INVALID', severity: 'error', message: 'a lock holds one document', file, line, col });
    }
    return lock;
  }
  const doc = docs[0]!;
  const { errors } = validateDocument('meshext.dev/v1alpha1', 'Lock', doc.value);
  for (const e of errors) {
    const [line, col] = doc.locate(e.path);
    report({ code: 'LOCK_INVALID', severity: 'error', message: e.message, file, line, col, field: formatPath(e.path) });
  }
  if (errors.length > 0) return lock;
  const images = (doc.value.images ?? {}) as Record<string, LockEntry>;
  for (const key of Object.keys(images)) {
    const e = images[key]!;
    const parsed = parseImageRef(key);
    // Located only to report: locating re-reads the text, which a lock with evidence makes long.
    const bad = (message: string) => {
      const [line, col] = doc.locate(['images', key]);
      report({ code: 'LOCK_INVALID', severity: 'error', message, file, line, col, field: `images.${key}` });
    };
    if ('error' in parsed) {
      bad(parsed.error);
      continue;
    }
    const ref = parsed.ref;
    if (ref.canonical !== key) {
      bad(`lock key "${key}" is not in canonical form ("${ref.canonical}"); run meshext lock`);
      continue;
    }
    // The entry must describe its own key: a lock must never redirect a declared image elsewhere.
    if (ref.scheme === 'oci' && e.format !== 'compat' && e.format !== 'oci-artifact') {
      bad(`entry does not agree with its reference: an OCI image has format compat or oci-artifact, not ${e.format}; run meshext lock`);
      continue;
    }
    if (ref.scheme === 'oci' && (!e.digest || e.url !== pinnedUrl(ref, e.digest))) {
      bad(`entry does not agree with its reference: url must be ${e.digest ? pinnedUrl(ref, e.digest) : 'pinned by digest'}; run meshext lock`);
      continue;
    }
    if ((ref.scheme === 'http' || ref.scheme === 'https') && (e.format !== 'http' || e.url !== key || !e.moduleSha256)) {
      bad(`entry does not agree with its reference: ${e.format !== 'http' ? `an http(s) module has format http, not ${e.format}` : e.url !== key ? `url must be ${key}` : 'an http(s) module needs moduleSha256'}; run meshext lock`);
      continue;
    }
    if (ref.scheme === 'file') {
      bad('file:// modules are never locked; remove the entry');
      continue;
    }
    if (e.index !== undefined && ref.scheme !== 'oci') {
      bad('entry does not agree with its reference: only an OCI image is chosen from an index; run meshext lock');
      continue;
    }
    const { verified, ...facts } = e;
    lock.set(key, { ref: key, ...facts, ...(verified !== undefined ? { verified: verified.map(verificationOf) } : {}) });
  }
  return Object.assign(lock, { where: (key: string) => doc.locate(['images', key]) });
}

function verificationOf(v: LockVerification): Verification {
  return { policy: v.policy, verifiedBy: v.by, signedDigest: v.signedDigest, ...(v.index !== undefined ? { index: v.index } : {}), evidence: v.evidence };
}
