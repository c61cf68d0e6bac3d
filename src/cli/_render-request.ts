// The options render, lock, validate and explain share, and the request they build.

import { resolve } from 'node:path';
import type { RenderRequest } from '../render.ts';
import type { Io } from './io.ts';
import type { Parsed } from './_args.ts';
import { liveResolverFactory } from './_live.ts';
import { DEFAULT_TIMEOUT, timeoutOf } from './_timeout.ts';

export const INPUT_OPTIONS = {
  lock: { type: 'string' },
  offline: { type: 'boolean' },
  locked: { type: 'boolean' },
  'allow-empty': { type: 'boolean' },
  namespace: { type: 'string', short: 'n' },
  // A repository may hold a Mesh per cluster; a render is for one of them (`requestOf` reads it).
  cluster: { type: 'string' },
} as const;

export const INPUT_HELP = `  PATH...            files or directories of declarations (default .); - reads stdin
      --lock FILE    lock file (default: meshext.lock in the first PATH's directory)
      --offline      use only the lock and the cache; never touch the network
      --locked       fail where the lock would change (missing entry, moved tag)
      --allow-empty  print an empty stream instead of failing when nothing is declared
  -n, --namespace NS the namespace of declarations that state none, as \`kubectl apply -n NS\`
                     would place them (NS = the control-plane namespace: mesh-wide)
      --cluster NAME the cluster to render: its Meshes (spec.cluster NAME, one per revision).
                     Needed when the Meshes name several clusters; implied when they name one`;

/** For render, validate and explain: every cluster at once (render writes DIR/<cluster>.yaml). */
export const ALL_CLUSTERS_OPTION = { 'all-clusters': { type: 'boolean' } } as const;

/** For the commands that resolve images (render, lock): the deadline of the whole run. */
export const TIMEOUT_OPTION = { timeout: { type: 'string' } } as const;

export const TIMEOUT_HELP = `      --timeout D    stop and fail (exit 3) when images are still resolving after D, naming
                     what each waits for: 60s, 1m30s, 500ms or seconds (default
                     $MESHEXT_TIMEOUT, else ${DEFAULT_TIMEOUT}: under Argo CD's 90 s exec timeout)`;

/** A Kubernetes namespace name (DNS-1123 label). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The -n/--namespace value, or the reason it cannot be one. */
export function namespaceOption(p: Parsed): string | undefined | { error: string } {
  const ns = p.values.namespace;
  if (typeof ns !== 'string') return undefined;
  if (ns.length > 63 || !NAMESPACE.test(ns)) return { error: `--namespace "${ns}" is not a namespace name (a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)` };
  return ns;
}

/** The request the options ask for, or a usage error. */
export async function requestOf(p: Parsed, io: Io, mode: RenderRequest['mode']): Promise<RenderRequest | string> {
  const defaultNamespace = namespaceOption(p);
  if (typeof defaultNamespace === 'object') return defaultNamespace.error;
  // validate and explain never touch the network: they take no deadline.
  const timeout = mode === 'none' ? timeoutOf([]) : timeoutOf([[p.values.timeout as string | undefined, '--timeout'], [io.env.MESHEXT_TIMEOUT, 'MESHEXT_TIMEOUT']]);
  if (typeof timeout === 'string') return timeout;
  const cluster = p.values.cluster;
  if (cluster === '') return '--cluster needs a cluster name';
  const allClusters = p.values['all-clusters'] === true;
  if (typeof cluster === 'string' && allClusters) return '--cluster and --all-clusters exclude each other: one cluster, or every one';
  const stdin = p.positionals.length === 1 && p.positionals[0] === '-' ? await io.stdin() : undefined;
  return {
    paths: stdin ? [] : p.positionals,
    cwd: io.cwd,
    stdin,
    lockPath: typeof p.values.lock === 'string' ? resolve(io.cwd, p.values.lock) : undefined,
    offline: p.values.offline === true,
    locked: p.values.locked === true,
    allowEmpty: p.values['allow-empty'] === true,
    defaultNamespace,
    ...(typeof cluster === 'string' ? { cluster, clusterFrom: '--cluster' } : {}),
    ...(allClusters ? { allClusters } : {}),
    mode,
    live: liveResolverFactory(io, timeout),
  };
}
