// The Sigstore libraries' errors in our words. They throw VerificationError and PolicyError (with
// a code), ValidationError (with the bundle fields at fault), ASN.1 parse errors, and on some
// inputs plain TypeErrors from deep inside (a keyless bundle verified with no timestamp at all
// reads a property of undefined): every one of them becomes a sentence, none escapes.

const PHRASES: Readonly<Record<string, string>> = {
  SIGNATURE_ERROR: 'the signature is not valid for the signed content',
  CERTIFICATE_ERROR: 'the certificate does not chain to a certificate authority of the trusted root at the signing time, or carries no valid SCT',
  PUBLIC_KEY_ERROR: 'the key is not usable',
  TIMESTAMP_ERROR: 'no trusted signing time (a transparency-log promise or an RFC 3161 timestamp that verifies)',
  TLOG_ERROR: 'its transparency-log entries do not count',
  TLOG_INCLUSION_PROMISE_ERROR: "its transparency-log promise (SET) does not verify against the trusted root's logs",
  TLOG_INCLUSION_PROOF_ERROR: "its transparency-log inclusion proof does not verify against the trusted root's logs",
  TLOG_MISSING_INCLUSION_ERROR: 'its transparency-log entry has neither an inclusion promise nor a proof',
  TLOG_BODY_ERROR: 'its transparency-log entry is about another signature or content',
  NOT_IMPLEMENTED_ERROR: 'it uses a feature the Sigstore libraries do not implement',
};

/** One line for any error a Sigstore library threw. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `unexpected error: ${String(e)}`;
  const code = (e as { code?: unknown }).code;
  const fields = (e as { fields?: unknown }).fields;
  const detail = e.message.replace(/\s+/g, ' ').trim().slice(0, 300);
  if (typeof code === 'string' && PHRASES[code] !== undefined) return `${PHRASES[code]} (${code}: ${detail})`;
  if (Array.isArray(fields) && fields.length > 0) return `${detail}: ${fields.slice(0, 8).join(', ')}`;
  if (e.name === 'TypeError' || e.name === 'RangeError') return `the Sigstore libraries could not process it (${e.name}: ${detail})`;
  return `${e.name === 'Error' ? '' : `${e.name}: `}${detail}`;
}
