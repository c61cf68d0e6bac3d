// The signature verifier: everything that depends on the Sigstore libraries, loaded by
// load-verifier.ts only when a render verifies an image (the build bundles it from here into
// dist/meshext.sigstore.js). Offline and pure: the trusted root and keys come from the caller, time
// from the signatures' own log promises and timestamps; no network, no clock, no process state.
// The rules are in material.ts (keys, root), evidence.ts (formats), judge-candidate.ts (one
// signature: thresholds, time, keys), identity.ts (who signed), claims.ts (about what) and
// verify-image.ts (what satisfies a policy, indexes).

import { toEvidence } from './evidence.ts';
import type { TrustVerifier } from './load-verifier.ts';
import { loadMaterial } from './material.ts';
import { verifyImage } from './verify-image.ts';

export const verifier: TrustVerifier = { loadMaterial, toEvidence, verifyImage };
