// The trust step of the resolve stage: every resolved image checked against the Mesh's trust
// policies (docs/decisions.md, "Trust"). Evidence comes from the lock first and is re-verified on
// every render, offline ones included, against the trusted root alone; the registry (or the URL's
// `.sigstore.json`) is asked only when the lock has none that still satisfies the policy and the
// render may use the network. The Sigstore libraries load only when an image is actually checked.

import type { Diagnostic, DiagnosticCode, Sink } from '../model/diagnostic.ts';
import type { ResolvedImage } from '../model/image.ts';
import type { Discovery, Found, FoundAt, Trust, TrustPolicy, TrustSite, Verification } from '../model/trust.ts';
import type { ResolveFailure } from './registry-error.ts';
import { at } from '../model/where.ts';
import { inPool } from './in-pool.ts';
import type { PolicyFileReader } from './policy-files.ts';
import type { Lock } from './lock.ts';
import type { ImageRef } from './reference.ts';
import { usesByReference } from './resolve-images.ts';
import type { ImageUse, LiveResolverLike } from './resolve-images.ts';
import { globMatches } from './trust/glob.ts';
import { loadVerifier } from './trust/load-verifier.ts';
import type { Checked, ImageToVerify, LoadedTrust, TrustVerifier, Verdict } from './trust/load-verifier.ts';

export interface VerifyOptions {
  readonly trust: Trust;
  readonly lock: Lock | undefined;
  readonly mode: 'render' | 'none' | 'relock';
  readonly offline: boolean;
  readonly locked: boolean;
  /** The live resolver resolution used (or would use); undefined when the network is not available. */
  readonly live?: () => Promise<LiveResolverLike>;
  /** Reads a file a policy names, relative to the file that declares the Mesh; the text or why not. */
  readonly readPolicyFile: PolicyFileReader;
  /** Judge every candidate, not just until the policy is satisfied (`meshext verify` reports them all). */
  readonly checkAll?: boolean;
  /** Discovery already under way for a digest (started when resolution pinned it), and whether it reads `.att` too. */
  readonly prefetched?: (canonical: string, digest: string) => { readonly discovery: Promise<Discovery | ResolveFailure>; readonly attestations: boolean } | undefined;
}

/** What one policy concluded about one image, for `meshext verify`. */
export interface PolicyReport {
  readonly policy: string;
  readonly ok: boolean;
  /** Why it failed, or (ok) where the evidence came from: 'lock' or 'registry'. */
  readonly message: string;
  readonly verification?: Verification;
  readonly checked: readonly Checked[];
}

export interface ImageReport {
  readonly ref: string;
  readonly digest?: string;
  /** Policies whose `images` cover the reference, in the order the Mesh declares them. */
  readonly policies: readonly PolicyReport[];
  /** No policy covers it: what `unmatched` decided. */
  readonly unmatched?: 'deny' | 'allow';
  /** What discovery asked for this image (empty when everything came from the lock). */
  readonly lookedAt: readonly FoundAt[];
}

export interface VerifyResult {
  /** The resolutions with `verified` set (what render annotates and `meshext lock` writes). */
  readonly resolved: ReadonlyMap<string, ResolvedImage>;
  readonly reports: readonly ImageReport[];
  /** An enforced policy failed (exit 3), or the policy itself is unusable (exit 1, TRUST_INVALID). */
  readonly failed: boolean;
}

export async function verifyImages(resolved: ReadonlyMap<string, ResolvedImage>, uses: readonly ImageUse[], opts: VerifyOptions, report: Sink): Promise<VerifyResult> {
  const { trust } = opts;
  // `verified` is what this check concludes, never what came in: an image the check leaves
  // unverified (no policy covers it, mode warn) must not keep evidence the lock merely claims.
  const out = new Map<string, ResolvedImage>();
  for (const [k, r] of resolved) {
    const { verified: _claimed, ...facts } = r;
    out.set(k, facts);
  }
  const reports: ImageReport[] = [];
  let failed = false;
  const { byImage, usesOf } = usesByReference(uses);
  const refOf = new Map([...byImage.values()].map((r) => [r.canonical, r]));
  // A declaration's `signature` locates an http(s) module's bundle; one module, one location.
  const signatures = new Map<string, string>();
  for (const [canonical, list] of usesOf) {
    for (const u of list) {
      if (u.signature === undefined) continue;
      const first = signatures.get(canonical);
      const where = [...u.path.slice(0, -1), 'signature'];
      if (!/^https?:\/\//i.test(canonical)) report(at(u.origin, where, 'FIELD_CONFLICT', `signature names the Sigstore bundle of an http(s) module; ${canonical} is an OCI image, whose signatures are found in its registry`));
      else if (first !== undefined && first !== u.signature) report(at(u.origin, where, 'FIELD_CONFLICT', `${canonical} has its signature at ${first} in another declaration; one module has one bundle location`));
      else {
        signatures.set(canonical, u.signature);
        continue;
      }
      failed = true;
    }
  }
  const enforce = trust.mode === 'enforce';
  const fail = (canonical: string, code: DiagnosticCode, message: string, severity: 'error' | 'warning' = enforce ? 'error' : 'warning'): void => {
    const list = usesOf.get(canonical) ?? [];
    if (list.length === 0) report({ code, severity, message });
    for (const u of list) report(at(u.origin, u.path, code, message, severity));
    if (severity === 'error') failed = true;
  };

  let verifier: Promise<{ v: TrustVerifier; loaded: LoadedTrust } | null> | undefined;
  const getVerifier = (): Promise<{ v: TrustVerifier; loaded: LoadedTrust } | null> =>
    (verifier ??= loadTrustMaterial(trust, opts, report).then((got) => {
      if (got === null) failed = true;
      return got;
    }));
  let live: Promise<LiveResolverLike> | undefined;
  const getLive = (): Promise<LiveResolverLike> | undefined => (opts.live ? (live ??= opts.live()) : undefined);

  // Images are checked side by side (their discovery is network round trips); reports and
  // resolutions are kept by reference, so the result does not depend on which finishes first.
  const byRef = new Map<string, ImageReport>();
  const sorted = [...resolved.keys()].sort();
  await inPool(sorted, VERIFY_CONCURRENCY, async (canonical) => {
    const image = resolved.get(canonical)!;
    const policies = trust.policies.filter((p) => p.images.some((g) => globMatches(g, canonical)));
    if (policies.length === 0) {
      byRef.set(canonical, { ref: canonical, ...(image.digest ? { digest: image.digest } : {}), policies: [], unmatched: trust.unmatched, lookedAt: [] });
      if (trust.unmatched === 'deny') {
        fail(canonical, 'NOT_VERIFIED', `image ${canonical} matches no trust policy (${trust.policies.map((p) => p.name).join(', ')}), and spec.trust.unmatched is deny: add it to a policy's images, or set unmatched: allow`);
      }
      return;
    }
    if (image.format === 'file') {
      // Reported like any failed policy, so `meshext verify` lists it and exits 3 (mode warn too).
      const why = "a file:// module is read from the proxy's own disk and never fetched, so its signature cannot be checked";
      byRef.set(canonical, { ref: canonical, policies: policies.map((p) => ({ policy: p.name, ok: false, message: why, checked: [] })), lookedAt: [] });
      fail(canonical, 'NOT_VERIFIED', `image ${canonical} is a file:// module, read from the proxy's own disk and never fetched, so its signature cannot be checked; trust policies ${policies.map((p) => p.name).join(', ')} cover it`);
      return;
    }
    // Without resolution (validate, explain) only what needs no signature is checked.
    if (opts.mode === 'none') return;
    const got = await getVerifier();
    if (got === null) return;
    const session = new ImageSession(refOf.get(canonical)!, image, got, getLive, signatures.get(canonical), opts.prefetched);
    const policyReports: PolicyReport[] = [];
    const verified: Verification[] = [];
    for (const policy of policies) {
      const r = await verifyPolicy(session, policy, opts);
      policyReports.push(r.report);
      if (r.report.verification) verified.push(r.report.verification);
      for (const d of r.problems) fail(canonical, d.code, d.message, d.severity ?? (enforce ? 'error' : 'warning'));
    }
    byRef.set(canonical, { ref: canonical, ...(image.digest ? { digest: image.digest } : {}), policies: policyReports, lookedAt: session.lookedAt() });
    // A policy that failed in warn mode leaves the image rendered but not marked verified.
    if (verified.length === policies.length) out.set(canonical, { ...out.get(canonical)!, verified });
  });
  for (const canonical of sorted) {
    const r = byRef.get(canonical);
    if (r) reports.push(r);
  }
  return { resolved: out, reports, failed };
}

/** Images checked at once: each asks for its .sig tag and its referrers side by side, so up to twice this many requests are in flight. */
const VERIFY_CONCURRENCY = 16;

interface Problem {
  readonly code: DiagnosticCode;
  readonly message: string;
  /** Undefined: an error under enforce, a warning under warn. */
  readonly severity?: 'error' | 'warning';
}

async function verifyPolicy(s: ImageSession, policy: TrustPolicy, opts: VerifyOptions): Promise<{ report: PolicyReport; problems: Problem[] }> {
  const ref = s.ref.canonical;
  const locked = opts.mode !== 'relock' ? s.lockedVerification(policy.name, opts.lock) : undefined;
  let fromLock: Verdict | undefined;
  if (locked) fromLock = s.verifyLocked(locked, policy, opts.checkAll === true);
  if (fromLock?.ok) {
    const v = fromLock.verification;
    const changed = v.verifiedBy !== locked!.verifiedBy || v.signedDigest !== locked!.signedDigest;
    const problems: Problem[] = changed && opts.locked ? [{ code: 'LOCK_MISMATCH', message: `image ${ref}: the lock says policy ${policy.name} was satisfied by ${locked!.verifiedBy} on ${locked!.signedDigest}, but its evidence now verifies as ${v.verifiedBy} on ${v.signedDigest}; run meshext lock`, severity: 'error' }] : [];
    return { report: { policy: policy.name, ok: true, message: 'lock', verification: v, checked: fromLock.checked }, problems };
  }
  const stale = fromLock ? `the lock's evidence no longer satisfies policy ${policy.name}: ${fromLock.message}` : undefined;
  if (opts.offline || s.noNetwork()) {
    const download = locked ? s.needsDownload(locked) : undefined;
    if (download !== undefined) {
      const why = `the lock's evidence for policy ${policy.name} ${download}, and ${opts.offline ? '--offline forbids the download' : 'the network is not available'}`;
      return { report: { policy: policy.name, ok: false, message: why, checked: [] }, problems: [{ code: 'NOT_VERIFIED', message: `image ${ref} is not verified: ${why}` }] };
    }
    const why = stale ?? `the lock carries no evidence for policy ${policy.name}`;
    return { report: { policy: policy.name, ok: false, message: why, checked: fromLock?.checked ?? [] }, problems: [{ code: 'NOT_VERIFIED', message: `image ${ref} is not verified: ${why}, and ${opts.offline ? '--offline forbids the network' : 'the network is not available'}; run meshext lock` }] };
  }
  const live = await s.verifyLive(policy, opts.checkAll === true);
  const problems: Problem[] = [];
  if (live.ok) {
    // The lock records this very result (an http(s) module's evidence can need the download to
    // check): `meshext lock` would not change it, so there is nothing to warn about.
    const same = locked !== undefined && sameVerification(live.verification, locked);
    if (same) return { report: { policy: policy.name, ok: true, message: 'registry', verification: live.verification, checked: live.checked }, problems };
    if (opts.locked && opts.mode === 'render') problems.push({ code: 'LOCK_MISMATCH', message: `image ${ref}: ${stale ?? `the lock carries no evidence for policy ${policy.name}`}, but the registry has evidence that does; --locked forbids the change: run meshext lock`, severity: 'error' });
    else if (opts.mode === 'render') problems.push({ code: 'LOCK_MISSING', message: `image ${ref}: ${stale ?? `the lock carries no evidence for policy ${policy.name}`}; verified from the registry instead (run meshext lock to keep the evidence)`, severity: 'warning' });
    return { report: { policy: policy.name, ok: true, message: 'registry', verification: live.verification, checked: live.checked }, problems };
  }
  if (opts.locked && fromLock) problems.push({ code: 'LOCK_MISMATCH', message: `image ${ref}: ${stale}; --locked forbids the change: run meshext lock`, severity: 'error' });
  problems.push({ code: 'NOT_VERIFIED', message: `image ${ref} is not verified: ${live.message}` });
  return { report: { policy: policy.name, ok: false, message: live.message, checked: live.checked }, problems };
}

/** Whether `meshext lock` would write `v` for `locked`: the same signer, digest, index and evidence. */
function sameVerification(v: Verification, locked: Verification): boolean {
  const same = (a: Verification['evidence'], b: Verification['evidence']): boolean => a.length === b.length && a.every((e, i) => e.at === b[i]!.at && e.bundle === b[i]!.bundle && e.payload === b[i]!.payload);
  return v.verifiedBy === locked.verifiedBy && v.signedDigest === locked.signedDigest && v.index === locked.index && same(v.evidence, locked.evidence);
}

/** One image's evidence, discovered at most once per digest whatever the number of policies. */
class ImageSession {
  private readonly discovered = new Map<string, Promise<Discovered | { failure: string }>>();
  private artifact: { readonly bytes: Buffer; readonly digest: string } | undefined;
  private indexBytes: Promise<Buffer | { failure: string }> | undefined;
  private readonly asked = new Set<FoundAt>();

  constructor(
    readonly ref: ImageRef,
    readonly image: ResolvedImage,
    private readonly trust: { v: TrustVerifier; loaded: LoadedTrust },
    private readonly live: () => Promise<LiveResolverLike> | undefined,
    /** An http(s) module's bundle URL when the declaration names one (else `<url>.sigstore.json`). */
    private readonly signatureUrl?: string,
    private readonly prefetched?: VerifyOptions['prefetched'],
  ) {}

  noNetwork(): boolean {
    return this.live() === undefined;
  }

  lookedAt(): FoundAt[] {
    const order: FoundAt[] = ['.sig tag', '.att tag', 'referrers', 'referrers tag', 'url'];
    return order.filter((a) => this.asked.has(a));
  }

  lockedVerification(policy: string, lock: Lock | undefined): Verification | undefined {
    const entry = lock?.get(this.ref.canonical);
    // Evidence about another digest than the one rendered is no evidence at all.
    if (!entry || entry.digest !== this.image.digest || entry.url !== this.image.url) return undefined;
    return entry.verified?.find((v) => v.policy === policy);
  }

  verifyLocked(v: Verification, policy: TrustPolicy, checkAll: boolean): Verdict {
    if (this.image.digest === undefined) return this.verifyLockedModule(v, policy, checkAll);
    const digest = this.image.digest;
    const onIndex = v.signedDigest !== digest;
    return this.trust.v.verifyImage(
      {
        ref: this.ref.canonical,
        digest: digest ?? v.signedDigest,
        ...(this.artifact ? { artifact: this.artifact.bytes } : {}),
        own: onIndex ? [] : v.evidence,
        ...(onIndex && v.index !== undefined ? { index: { digest: v.signedDigest, bytes: Buffer.from(v.index, 'base64'), evidence: v.evidence } } : {}),
      },
      policy,
      this.trust.loaded,
      { checkAll },
    );
  }

  /**
   * An http(s) module's evidence is about the bytes as downloaded. From the lock alone it binds to
   * the module rendered only when those bytes are the module itself (served unwrapped: the lock's
   * moduleSha256 is then their digest); a gzip or tar download, and a message signature (which
   * needs the bytes), are re-verified over a fresh download instead.
   */
  private verifyLockedModule(v: Verification, policy: TrustPolicy, checkAll: boolean): Verdict {
    const own = `sha256:${this.image.moduleSha256 ?? ''}`;
    const download = this.needsDownload(v);
    if (download !== undefined) return { ok: false, message: `the lock's evidence ${download}`, checked: [] };
    const digest = this.artifact?.digest ?? own;
    return this.trust.v.verifyImage({ ref: this.ref.canonical, digest, ...(this.artifact ? { artifact: this.artifact.bytes } : {}), own: v.signedDigest === digest ? v.evidence : [] }, policy, this.trust.loaded, { checkAll });
  }

  /** Why an http(s) module's lock evidence can be checked only over a download (not yet made), or undefined. */
  needsDownload(v: Verification): string | undefined {
    if (this.image.digest !== undefined || this.artifact !== undefined) return undefined;
    const own = `sha256:${this.image.moduleSha256 ?? ''}`;
    if (v.signedDigest !== own) return `is about the download ${v.signedDigest}, not the module ${own} itself (the module is served wrapped in gzip or tar), which only a download can bind`;
    if (v.evidence.some(isMessageSignature)) return 'is a message signature over the module as downloaded, which only the download can check';
    return undefined;
  }

  async verifyLive(policy: TrustPolicy, checkAll: boolean): Promise<Verdict> {
    const attestations = policy.attestations.length > 0;
    const judge = (img: Omit<ImageToVerify, 'ref'>): Verdict => this.trust.v.verifyImage({ ref: this.ref.canonical, ...img }, policy, this.trust.loaded, { checkAll });
    if (this.ref.scheme === 'http' || this.ref.scheme === 'https') {
      const got = await this.discover('url', attestations);
      if ('failure' in got) return { ok: false, message: got.failure, checked: [] };
      return judge({ digest: got.digest, ...(this.artifact ? { artifact: this.artifact.bytes } : {}), own: got.found, lookedAt: got.lookedAt });
    }
    const digest = this.image.digest!;
    const own = await this.discover(digest, attestations);
    if ('failure' in own) return { ok: false, message: own.failure, checked: [] };
    const first = judge({ digest, own: own.found, lookedAt: own.lookedAt });
    if (first.ok || this.image.index === undefined) return first;
    const idx = await this.discover(this.image.index, attestations);
    if ('failure' in idx) return { ...first, message: `${first.message}; and on its index ${this.image.index}: ${idx.failure}` };
    if (idx.found.length === 0) return { ...first, message: `${first.message}; nor on its index ${this.image.index}` };
    const bytes = await (this.indexBytes ??= this.fetchIndex(this.image.index));
    if (!Buffer.isBuffer(bytes)) return { ...first, message: `${first.message}; its index ${this.image.index} could not be read: ${bytes.failure}` };
    return judge({ digest, own: own.found, index: { digest: this.image.index, bytes, evidence: idx.found }, lookedAt: [...new Set([...own.lookedAt, ...idx.lookedAt])] });
  }

  private async fetchIndex(digest: string): Promise<Buffer | { failure: string }> {
    const live = await this.live()!;
    const got = await live.manifestBytes(this.ref, digest);
    return Buffer.isBuffer(got) ? got : { failure: this.unnamed(got.message) };
  }

  /** A resolver failure without its `image <ref>: ` prefix: the message it goes into names the image already. */
  private unnamed(message: string): string {
    const prefix = `image ${this.ref.canonical}: `;
    return message.startsWith(prefix) ? message.slice(prefix.length) : message;
  }

  private discover(digest: string, attestations: boolean): Promise<Discovered | { failure: string }> {
    const key = `${digest}|${attestations}`;
    let p = this.discovered.get(key);
    if (!p) this.discovered.set(key, (p = this.discoverNow(digest, attestations)));
    return p;
  }

  private async discoverNow(digest: string, attestations: boolean): Promise<Discovered | { failure: string }> {
    const live = await this.live()!;
    if (digest === 'url') {
      const got = await live.discoverUrl(this.ref, this.signatureUrl);
      if ('code' in got) return { failure: this.unnamed(got.message) };
      // The signature is checked over this download: it must be the module the render pins (the
      // lock's, or the one resolution hashed a moment ago), or it would vouch for other bytes.
      if (this.image.moduleSha256 !== undefined && got.moduleSha256 !== this.image.moduleSha256) {
        return { failure: `the module downloaded now hashes to sha256:${got.moduleSha256} (unwrapped), not sha256:${this.image.moduleSha256} as the render pins it, so its signature would vouch for other bytes than those rendered; run meshext lock` };
      }
      this.artifact = { bytes: got.artifact, digest: got.discovery.digest };
      for (const a of got.discovery.lookedAt) this.asked.add(a);
      return got.discovery;
    }
    // Discovery that started when resolution pinned the digest serves any policy it asked enough for.
    const early = this.prefetched?.(this.ref.canonical, digest);
    const got = early && (early.attestations || !attestations) ? await early.discovery : await live.discover(this.ref, digest, { attestations });
    if ('code' in got) return { failure: this.unnamed(got.message) };
    for (const a of got.lookedAt) this.asked.add(a);
    return got;
  }
}

/** A message signature kept without its payload: over an http(s) module's bytes (a classic .sig keeps the payload it signs). */
function isMessageSignature(e: Verification['evidence'][number]): boolean {
  if (e.payload !== undefined) return false;
  try {
    return (JSON.parse(e.bundle) as { messageSignature?: unknown }).messageSignature !== undefined;
  } catch {
    return false;
  }
}

/** What discovery found for one digest: the candidates as read (the verifier converts and judges them). */
interface Discovered {
  readonly digest: string;
  readonly found: readonly Found[];
  readonly lookedAt: readonly FoundAt[];
}

/** The verifier and the policy's material (trusted root, each policy's keys), or null after reporting why not. */
async function loadTrustMaterial(trust: Trust, opts: VerifyOptions, report: Sink): Promise<{ v: TrustVerifier; loaded: LoadedTrust } | null> {
  const problems: Diagnostic[] = [];
  const bad = (site: TrustSite, message: string): void => {
    problems.push({ code: 'TRUST_INVALID', severity: 'error', message, file: site.file, line: site.line, col: site.col, field: site.field });
  };
  let trustedRootJson: string | undefined;
  if (trust.trustedRoot) {
    const got = await opts.readPolicyFile(trust.trustedRoot.at, trust.trustedRoot.path);
    if (typeof got === 'string') trustedRootJson = got;
    else bad(trust.trustedRoot.at, `trustedRoot ${trust.trustedRoot.path}: ${got.error}`);
  }
  const keys = new Map<TrustSite, string>();
  // The file a key was read from, so a key that cannot be used is named by its path as well as its line.
  const keyPaths = new Map<TrustSite, string>();
  for (const p of trust.policies) {
    for (const k of p.keys) {
      if (k.pem !== undefined) keys.set(k.at, k.pem);
      else {
        const got = await opts.readPolicyFile(k.at, k.path!);
        if (typeof got === 'string') {
          keys.set(k.at, got);
          keyPaths.set(k.at, k.path!);
        } else bad(k.at, `key ${k.path}: ${got.error}`);
      }
    }
  }
  const v = await loadVerifier();
  if (problems.length === 0) {
    const loaded = v.loadMaterial({ ...(trustedRootJson !== undefined ? { trustedRootJson } : {}), keys: [...keys].map(([site, pem]) => ({ site, pem })) });
    if ('errors' in loaded) {
      for (const e of loaded.errors) {
        const path = e.site ? keyPaths.get(e.site) : trust.trustedRoot?.path;
        const named = path === undefined ? e.message : e.site ? `key ${path}: ${e.message}` : `trustedRoot ${path}: ${e.message}`;
        bad(e.site ?? trust.trustedRoot?.at ?? trust.at, named);
      }
    } else {
      for (const d of problems) report(d);
      return { v, loaded };
    }
  }
  for (const d of problems) report(d);
  return null;
}
