// meshext convert-image SRC DST: repackage an image Istio cannot load as a Wasm OCI artifact it
// can, push it with the caller's registry credentials, print the pinned reference on stdout.

import { isAbsolute, join } from 'node:path';
import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { cacheDirOf } from '../_live.ts';
import { usageError } from '../_report.ts';
import { parseImageRef } from '../../resolve/reference.ts';

const HELP = `Usage: meshext convert-image SRC DST [options]

Pulls SRC (a Maistra extension image, an old wasme image, a single-layer Wasm artifact, or any
image whose module Istio cannot find), takes its Wasm module (Maistra's manifest.yaml "module",
else plugin.wasm, else the Wasm layer), and pushes it to DST as a two-layer Wasm OCI artifact,
which every Istio loads. Maistra's phase and priority are kept as image annotations that meshext
reads back. Prints the new pinned reference (oci://registry/repository@sha256:...) on stdout.

Credentials come from $DOCKER_CONFIG/config.json or ~/.docker/config.json (auths, credHelpers,
credsStore) and $REGISTRY_AUTH_FILE. DST must be a tag (default "latest"), not a digest.

Options:
  --insecure-registry HOST  allow plain HTTP to HOST (repeatable; loopback hosts always may)
  --cache-dir DIR           content cache (default: $XDG_CACHE_HOME/meshext, else a temp dir)
  --timeout SECONDS         per-request timeout (default 30)
  -h, --help                show this help

Exit status: 0 pushed, 2 usage error, 3 the image could not be pulled, converted or pushed.
`;

export const run: Command = async (args, io) => {
  const p = parse(args, {
    'insecure-registry': { type: 'string', multiple: true },
    'cache-dir': { type: 'string' },
    timeout: { type: 'string' },
  });
  if (typeof p === 'string') return usageError(io, 'convert-image', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (p.positionals.length !== 2) return usageError(io, 'convert-image', `expected SRC and DST, got ${p.positionals.length} argument${p.positionals.length === 1 ? '' : 's'}`);
  const [src, dst] = p.positionals.map((s) => parseImageRef(s)) as [ReturnType<typeof parseImageRef>, ReturnType<typeof parseImageRef>];
  if ('error' in src) return usageError(io, 'convert-image', `SRC: ${src.error}`);
  if ('error' in dst) return usageError(io, 'convert-image', `DST: ${dst.error}`);
  if (src.ref.scheme !== 'oci' || dst.ref.scheme !== 'oci') return usageError(io, 'convert-image', 'SRC and DST must be OCI image references');
  if (dst.ref.digest !== undefined) return usageError(io, 'convert-image', 'DST must name a tag to push to, not a digest');
  const timeout = p.values.timeout === undefined ? undefined : Number(p.values.timeout);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) return usageError(io, 'convert-image', '--timeout takes a positive number of seconds');
  const cacheOption = p.values['cache-dir'];
  const cacheDir = typeof cacheOption === 'string' ? (isAbsolute(cacheOption) ? cacheOption : join(io.cwd, cacheOption)) : cacheDirOf(io.env);
  const insecure = p.values['insecure-registry'] as unknown as string[] | undefined;

  // Loaded here so that `meshext --help` and the other commands never load the OCI client.
  const { convertImage } = await import('../../resolve/convert-image.ts');
  const result = await convertImage(src.ref, dst.ref, {
    cacheDir,
    env: io.env,
    insecureRegistries: insecure ?? [],
    ...(timeout !== undefined ? { timeoutMs: Math.round(timeout * 1000) } : {}),
    log: (line) => io.stderr(`meshext convert-image: ${line}\n`),
  });
  if ('code' in result) {
    io.stderr(`meshext convert-image: error: ${result.message}\n`);
    return EXIT.resolve;
  }
  io.stdout(`${result.ref}\n`);
  return EXIT.ok;
};
