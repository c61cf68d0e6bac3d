// The public-good Sigstore trusted root (Fulcio CAs, Rekor logs, CT logs, the TSA) that a Mesh
// without spec.trust.trustedRoot verifies against. It is the `trusted_root.json` target that
// @sigstore/tuf embeds in its seeds.json to start its TUF client from: read here as a file, never
// refreshed over TUF (a render makes no network call to verify), so it is as fresh as that package's
// version. A Mesh that needs a newer root names its own file.

import seeds from '@sigstore/tuf/seeds.json' with { type: 'json' };

const MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

export function publicGoodRootJson(): string {
  const targets = (seeds as Record<string, { targets: Record<string, string> }>)[MIRROR]!.targets;
  return Buffer.from(targets['trusted_root.json']!, 'base64').toString('utf8');
}
