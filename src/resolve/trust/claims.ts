// What a verified signature says it is about: the checks the Sigstore libraries leave to the caller.
// - A cosign simple-signing payload (a classic `.sig` layer): `critical.image.docker-manifest-digest`
//   must be the digest checked and `critical.type` "cosign container image signature". Keys are
//   looked up ignoring ASCII case, the last spelling winning, as Go's encoding/json decodes them
//   for cosign: old cosign wrote `Critical` and `Docker-manifest-digest`.
// - A DSSE envelope: payloadType application/vnd.in-toto+json, an in-toto Statement (v1, or v0.1
//   as older attesters write), and a subject whose digest for the checked digest's algorithm equals
//   it. @sigstore/verify verifies the envelope's signature but ignores the artifact for DSSE, so
//   without this check a statement about any other image would pass.

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPES: readonly string[] = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];
/** The predicate of cosign v3's image signature (a signed statement with an empty predicate). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export interface Statement {
  readonly predicateType: string;
  readonly subjects: readonly Readonly<Record<string, string>>[];
}

/** The in-toto statement a DSSE envelope carries, or why it is not one. */
export function readStatement(payloadType: string, payload: Buffer): Statement | string {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return `its DSSE payload type is ${JSON.stringify(payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`;
  let st: unknown;
  try {
    st = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'its DSSE payload is not JSON';
  }
  if (typeof st !== 'object' || st === null || Array.isArray(st)) return 'its DSSE payload is not a JSON object';
  const o = st as Record<string, unknown>;
  if (typeof o._type !== 'string' || !STATEMENT_TYPES.includes(o._type)) return `its payload's _type is ${JSON.stringify(o._type)}, not an in-toto Statement (${STATEMENT_TYPES.join(' or ')})`;
  if (typeof o.predicateType !== 'string' || o.predicateType === '') return 'its statement has no predicateType';
  if (!Array.isArray(o.subject)) return 'its statement has no subject list';
  const subjects: Record<string, string>[] = [];
  for (const s of o.subject.slice(0, 1024)) {
    const d = (s as { digest?: unknown } | null)?.digest;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) continue;
    const digests: Record<string, string> = {};
    for (const [k, v] of Object.entries(d)) if (typeof v === 'string') digests[k] = v.toLowerCase();
    subjects.push(digests);
  }
  return { predicateType: o.predicateType, subjects };
}

/** Whether a statement names `digest` (`<algorithm>:<hex>`) as a subject; why not otherwise. */
export function statementNames(st: Statement, digest: string): true | string {
  const [algorithm, hex] = splitDigest(digest);
  if (st.subjects.some((s) => s[algorithm] === hex)) return true;
  const named = st.subjects.flatMap((s) => Object.entries(s).map(([a, h]) => `${a}:${h}`)).slice(0, 3);
  return `its statement is about ${named.length > 0 ? named.join(', ') : 'no digest'}, not ${digest}`;
}

/** Whether a simple-signing payload signs `digest`; why not otherwise. */
export function simpleSigningNames(payload: Buffer, digest: string): true | string {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'its simple-signing payload is not JSON';
  }
  const critical = field(json, 'critical');
  const type = field(critical, 'type');
  if (type !== SIMPLE_SIGNING_TYPE) return `its payload's critical.type is ${JSON.stringify(type)}, not "${SIMPLE_SIGNING_TYPE}"`;
  const signed = field(field(critical, 'image'), 'docker-manifest-digest');
  if (typeof signed !== 'string') return 'its payload has no critical.image.docker-manifest-digest';
  if (signed !== digest) return `its payload signs ${signed}, not ${digest}`;
  return true;
}

/** `obj[name]` with the key's ASCII case ignored, the last matching key winning (Go's encoding/json). */
function field(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  let found: unknown;
  for (const [k, v] of Object.entries(obj)) if (asciiLower(k) === name) found = v;
  return found;
}

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

export function splitDigest(digest: string): [string, string] {
  const i = digest.indexOf(':');
  return [digest.slice(0, i), digest.slice(i + 1).toLowerCase()];
}
