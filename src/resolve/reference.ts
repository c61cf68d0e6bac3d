// Image references as declarations name them. OCI names follow distribution/reference
// (reference.go, normalize.go) so that meshext accepts and rejects exactly what docker does.

import { fileURLToPath } from 'node:url';

export type ImageRef =
  | { readonly scheme: 'oci'; readonly registry: string; readonly repository: string; readonly tag?: string; readonly digest?: string; readonly canonical: string }
  | { readonly scheme: 'http' | 'https'; readonly url: string; readonly canonical: string }
  | { readonly scheme: 'file'; readonly path: string; readonly canonical: string };

type Parsed = { readonly ref: ImageRef } | { readonly error: string };

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IMAGE_ID_RE = /^[a-f0-9]{64}$/;
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const NAME_TOTAL_LENGTH_MAX = 255;
// The algorithms go-digest registers; any other parses but is "unsupported".
const DIGEST_HEX_LENGTH = new Map([['sha256', 64], ['sha384', 96], ['sha512', 128]]);

const q = (s: string): string => JSON.stringify(s);

/** Parses what a declaration names as its image: an OCI reference (optional `oci://` prefix),
 *  an http(s) URL, or a file:/// path. Never throws. */
export function parseImageRef(input: string): { readonly ref: ImageRef } | { readonly error: string } {
  if (typeof input !== 'string') return { error: `invalid image reference: expected a string, got ${typeof input}` };
  const m = SCHEME_RE.exec(input);
  if (m === null) return parseOci(input, input);
  // Schemes are case-insensitive, as in Go's url.Parse which Istio uses.
  const scheme = m[1]!.toLowerCase();
  const rest = input.slice(m[0].length);
  if (scheme === 'oci') return parseOci(rest, input);
  if (scheme === 'http' || scheme === 'https') return parseHttp(input, scheme, rest);
  if (scheme === 'file') return parseFile(input, rest);
  return {
    error: `invalid image reference ${q(input)}: scheme ${q(m[1]!)} is not supported; use an OCI reference (optionally with oci://), http://, https:// or file:///`,
  };
}

/** Host to send registry requests to: docker.io → registry-1.docker.io, others unchanged. */
export function registryHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** `oci://<registry>/<repository>@<digest>` */
export function pinnedUrl(ref: { registry: string; repository: string }, digest: string): string {
  return `oci://${ref.registry}/${ref.repository}@${digest}`;
}

/** normalize.go splitDockerDomain. */
function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const i = name.indexOf('/');
  const first = i < 0 ? '' : name.slice(0, i);
  const isDomain = i >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = isDomain ? first : 'docker.io';
  let remainder = isDomain ? name.slice(i + 1) : name;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  return [domain, remainder];
}

function parseOci(s: string, input: string): Parsed {
  const fail = (why: string): Parsed => ({ error: `invalid image reference ${q(input)}: ${why}` });
  if (s === '') return fail('it is empty');
  if (IMAGE_ID_RE.test(s)) return fail('a bare 64-character hex string is an image ID, not a repository name');
  const [registry, remainder] = splitDockerDomain(s);
  const remote = remainder.split(/[:@]/, 1)[0]!;
  if (remote.toLowerCase() !== remote) return fail('repository name must be lowercase');
  const at = remainder.indexOf('@');
  const nameTag = at < 0 ? remainder : remainder.slice(0, at);
  const digest = at < 0 ? undefined : remainder.slice(at + 1);
  // Neither a path nor a tag may hold ':', so any ':' left after the domain starts the tag.
  const colon = nameTag.lastIndexOf(':');
  const repository = colon < 0 ? nameTag : nameTag.slice(0, colon);
  const tag = colon < 0 ? undefined : nameTag.slice(colon + 1);

  // docker would take a first component like "a_b.c" as a path with no domain; meshext needs a registry.
  if (!DOMAIN_RE.test(registry)) return fail(`registry ${q(registry)} is not a valid host[:port]`);
  const bad = repository.split('/').find((c) => !PATH_COMPONENT_RE.test(c));
  if (bad === '') return fail('repository path has an empty component (a stray "/")');
  if (bad?.includes(':')) {
    return fail(`repository path component ${q(bad)} is invalid: ":" may only start the tag, or give the port of a registry followed by "/"`);
  }
  if (bad !== undefined) {
    return fail(`repository path component ${q(bad)} is invalid: use lowercase letters and digits, separated by ".", "_", "__" or "-"`);
  }
  if (tag !== undefined && !TAG_RE.test(tag)) {
    return fail(`tag ${q(tag)} is invalid: use 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  const digestError = digest === undefined ? undefined : checkDigest(digest);
  if (digestError !== undefined) return fail(digestError);
  if (registry.length + 1 + repository.length > NAME_TOTAL_LENGTH_MAX) {
    return fail(`name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }

  const finalTag = tag === undefined && digest === undefined ? 'latest' : tag;
  const canonical = `${registry}/${repository}${finalTag !== undefined ? `:${finalTag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return {
    ref: {
      scheme: 'oci',
      registry,
      repository,
      ...(finalTag !== undefined ? { tag: finalTag } : {}),
      ...(digest !== undefined ? { digest } : {}),
      canonical,
    },
  };
}

/** go-digest Digest.Validate. */
function checkDigest(d: string): string | undefined {
  const colon = d.indexOf(':');
  const algorithm = colon < 0 ? '' : d.slice(0, colon);
  const hexLength = DIGEST_HEX_LENGTH.get(algorithm);
  if (hexLength !== undefined) {
    const hex = d.slice(colon + 1);
    return hex.length === hexLength && /^[a-f0-9]+$/.test(hex)
      ? undefined
      : `digest ${q(d)} is invalid: ${algorithm} needs exactly ${hexLength} lowercase hex characters`;
  }
  if (!DIGEST_RE.test(d)) return `digest ${q(d)} is not of the form algorithm:hex (at least 32 hex characters)`;
  return `digest algorithm ${q(algorithm)} is not supported; use sha256, sha384 or sha512`;
}

function parseHttp(input: string, scheme: 'http' | 'https', afterScheme: string): Parsed {
  const fail = (why: string): Parsed => ({ error: `invalid image URL ${q(input)}: ${why}` });
  // The URL parser would silently drop or encode these, so the URL emitted would differ from the one declared.
  if (/[\s\x00-\x1f\x7f]/.test(input)) return fail('it contains whitespace or control characters');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail('it is not a valid URL');
  }
  // WHATWG parsing reads http:///x as host "x"; the host must be written out.
  if (url.hostname === '' || afterScheme.startsWith('/')) return fail('it has no host');
  return { ref: { scheme, url: input, canonical: input } };
}

function parseFile(input: string, afterScheme: string): Parsed {
  const fail = (why: string): Parsed => ({ error: `invalid image file URL ${q(input)}: ${why} (expected file:///absolute/path)` });
  if (!afterScheme.startsWith('/')) return fail('it must have an empty host and an absolute path');
  let path: string;
  try {
    const url = new URL(input);
    if (url.search !== '' || url.hash !== '') return fail('it has a query or fragment');
    path = fileURLToPath(url);
  } catch {
    return fail('it is not a valid file URL');
  }
  if (path.endsWith('/')) return fail('it names a directory, not a file');
  return { ref: { scheme: 'file', path, canonical: input } };
}
