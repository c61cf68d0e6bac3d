// Every credential, token and auth string meshext learns is registered here the moment it is
// read, and every line that may reach stderr, an error message or a log passes through
// `redact`. As docs/decisions.md, decision 18 says, a secret never appears in output, whatever path the text took.

export interface Redactor {
  /** Registers a secret; its raw, base64, URL-encoded and JSON-escaped forms are all hidden. */
  add(secret: string | undefined): void;
  /** Returns the text with every registered secret (and any Authorization value) replaced. */
  redact(text: string): string;
}

const MASK = '***';

/**
 * Shorter forms are not hidden in free text: masking every "1" of a one-character password would
 * reveal it by the pattern and garble every message. Where a short secret can appear, in URL
 * userinfo and Authorization headers, the generic patterns below hide it.
 */
const MIN_FREE_TEXT = 6;

// Authorization values and URL userinfo are hidden even when nobody registered them (a header
// echoed back in a server's error body, a URL written with user:password@).
const GENERIC: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASK}`],
  [/(\/\/)[^/@\s:]*:[^/@\s]*@/g, `$1${MASK}@`],
  [/("(?:token|access_token|refresh_token|password|identitytoken|registrytoken|auth|Secret)"\s*:\s*")[^"]*(")/gi, `$1${MASK}$2`],
];

export function createRedactor(): Redactor {
  const secrets = new Set<string>();
  let ordered: string[] = [];
  return {
    add(secret) {
      if (secret === undefined || secret === '') return;
      const forms = [
        secret,
        Buffer.from(secret, 'utf8').toString('base64'),
        Buffer.from(secret, 'utf8').toString('base64url'),
        encodeURIComponent(secret),
        JSON.stringify(secret).slice(1, -1),
      ];
      let changed = false;
      for (const f of forms) {
        if (f.length >= MIN_FREE_TEXT && !secrets.has(f)) {
          secrets.add(f);
          changed = true;
        }
      }
      // Longest first, so a secret that contains another is hidden whole.
      if (changed) ordered = [...secrets].sort((a, b) => b.length - a.length);
    },
    redact(text) {
      let out = text;
      for (const s of ordered) out = out.split(s).join(MASK);
      for (const [re, by] of GENERIC) out = out.replace(re, by);
      return out;
    },
  };
}
