// Signatures attached to test images the way the signing tools attach them, pushed with plain fetch
// like every fixture (no code shared with the client under test):
//
// - cosign's classic layout: an OCI manifest tagged `sha256-<hex>.sig` (`.att` for attestations),
//   config application/vnd.oci.image.config.v1+json, one layer per signature, the payload in the
//   blob and the signature material in the layer's annotations;
// - a Sigstore bundle as an OCI 1.1 referrer (cosign v3, @sigstore/oci): artifactType
//   application/vnd.dev.sigstore.bundle.v0.3+json, the empty config `{}`, one bundle layer, a
//   subject; and, since docker-registry 2.8 has no referrers API, the `sha256-<hex>` index that
//   go-containerregistry and @sigstore/oci keep instead: read (404 means empty), append, sort, PUT.
//   Which artifactType an entry of that index gets depends on the writer: cosign up to 3.0.6
//   (go-containerregistry before 0.21.6) wrote the config's media type, application/vnd.oci.empty.v1+json.
//
// Payloads and bundles here may be any bytes: discovery reads them, it does not verify them.

import { digestOf, image, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, push } from './_images.ts';
import type { BuiltImage } from './_images.ts';
import type { TestRegistry } from './_registry.ts';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const EMPTY = 'application/vnd.oci.empty.v1+json';

/** `sha256:<hex>` → `sha256-<hex>`, the tag schema's name for a digest. */
export const tagOf = (digest: string): string => digest.replace(':', '-');

export interface SignatureLayer {
  readonly payload: Buffer;
  readonly annotations: Record<string, string>;
}

/** A simple-signing payload about `digest`, as cosign writes it. */
export function simpleSigning(repo: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
}

/** The annotations of a classic signature layer (any bytes: discovery does not verify them). */
export function classicAnnotations(n: number): Record<string, string> {
  return {
    'dev.cosignproject.cosign/signature': Buffer.from(`signature ${n}`).toString('base64'),
    'dev.sigstore.cosign/bundle': JSON.stringify({ SignedEntryTimestamp: 'c2V0', Payload: { body: 'Ym9keQ==', integratedTime: 1700000000 + n, logIndex: n, logID: 'ab'.repeat(32) } }),
  };
}

/** cosign's `.sig` (or `.att`) manifest: config application/vnd.oci.image.config.v1+json, one layer per signature. */
export function classicManifest(layers: readonly SignatureLayer[], mediaType = SIMPLE_SIGNING): BuiltImage {
  const config = Buffer.from(JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l.payload)) }, config: {} }));
  return image({ config: { bytes: config, mediaType: OCI_CONFIG }, layers: layers.map((l) => ({ bytes: l.payload, mediaType, annotations: l.annotations })) });
}

/** Pushes a classic signature manifest under `sha256-<hex>.sig` (or `.att`) of `subject`. */
export async function pushClassic(reg: TestRegistry, repo: string, subject: string, layers: readonly SignatureLayer[], suffix: 'sig' | 'att' = 'sig'): Promise<BuiltImage> {
  const img = classicManifest(layers, suffix === 'sig' ? SIMPLE_SIGNING : DSSE_ENVELOPE);
  await push(reg, repo, `${tagOf(subject)}.${suffix}`, img);
  return img;
}

export interface Subject {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

export const subjectOf = (img: BuiltImage): Subject => ({ digest: img.digest, size: img.manifest.length, mediaType: img.mediaType });

/** A bundle-shaped JSON value; `n` makes each one distinct. */
export function fakeBundle(n: number | string): Record<string, unknown> {
  return {
    mediaType: BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: Buffer.from(`key ${n}`).toString('base64') }, tlogEntries: [] },
    dsseEnvelope: { payload: Buffer.from(`{"n":${JSON.stringify(n)}}`).toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: 'c2ln', keyid: '' }] },
  };
}

/**
 * A referrer as cosign v3 writes one: artifactType and the empty config `{}` (its descriptor
 * carrying the artifactType too), `layers` (one bundle by default), `subject` and cosign's annotations.
 */
export function referrer(subject: Subject, opts: { bundle?: unknown; artifactType?: string; layers?: readonly { bytes: Buffer; mediaType: string }[] } = {}): BuiltImage {
  const artifactType = opts.artifactType ?? BUNDLE_V03;
  const empty = Buffer.from('{}');
  const layers = opts.layers ?? [{ bytes: Buffer.from(JSON.stringify(opts.bundle ?? fakeBundle(0))), mediaType: BUNDLE_V03 }];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: EMPTY, artifactType, digest: digestOf(empty), size: 2 },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: digestOf(l.bytes), size: l.bytes.length })),
      subject,
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z', 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' },
    }),
  );
  return { manifest, mediaType: OCI_MANIFEST, digest: digestOf(manifest), blobs: [empty, ...layers.map((l) => l.bytes)] };
}

/** How the writer lists a referrer in the tag-schema index. */
export type IndexStyle = 'artifactType' | 'empty (cosign ≤ 3.0.6)';

/**
 * Attaches `ref` to `subject` as the write path does on a registry without the referrers API:
 * PUT the referrer by digest, probe the API (docker-registry 2.8 answers 404), then read the
 * `sha256-<hex>` index (404: start empty), append the descriptor, sort by digest and PUT it back.
 */
export async function attachReferrer(reg: TestRegistry, repo: string, subject: string, ref: BuiltImage, style: IndexStyle = 'artifactType'): Promise<void> {
  await push(reg, repo, ref.digest, ref);
  const probe = await (reg.fetch ?? fetch)(`${reg.url}/v2/${repo}/referrers/${subject}`, { headers: { accept: OCI_INDEX } });
  await probe.arrayBuffer();
  if (probe.status === 200) throw new Error('this registry has a referrers API: the tag-schema fallback is not how it is written');
  const manifest = JSON.parse(ref.manifest.toString('utf8')) as { artifactType: string; config: { mediaType: string }; annotations?: Record<string, string> };
  const entry = {
    mediaType: OCI_MANIFEST,
    digest: ref.digest,
    size: ref.manifest.length,
    ...(style === 'artifactType' ? { artifactType: manifest.artifactType, annotations: manifest.annotations } : { artifactType: manifest.config.mediaType }),
  };
  await addToReferrersTag(reg, repo, subject, [entry]);
}

/** Appends descriptors to the `sha256-<hex>` index of `subject` (creating it), sorted by digest as go-containerregistry does. */
export async function addToReferrersTag(reg: TestRegistry, repo: string, subject: string, entries: readonly Record<string, unknown>[]): Promise<BuiltImage> {
  const got = await (reg.fetch ?? fetch)(`${reg.url}/v2/${repo}/manifests/${tagOf(subject)}`, { headers: { accept: OCI_INDEX } });
  const existing = got.status === 200 ? ((await got.json()) as { manifests: Record<string, unknown>[] }).manifests : (await got.arrayBuffer(), []);
  const manifests = [...existing, ...entries].sort((a, b) => String(a.digest).localeCompare(String(b.digest)));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  const index: BuiltImage = { manifest: bytes, mediaType: OCI_INDEX, digest: digestOf(bytes), blobs: [] };
  await push(reg, repo, tagOf(subject), index);
  return index;
}
