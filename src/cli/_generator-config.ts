// An ExtensionGenerator config (README, "kustomize") as render options: paths relative to the
// kustomization directory (the working directory kustomize gives us), lock, offline, locked,
// namespace, cluster, and the render's deadline (spec.timeout, else MESHEXT_TIMEOUT, else the default).

import { resolve } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.ts';
import { validateDocument } from '../schema/validate-document.ts';
import { formatPath } from '../model/where.ts';
import { timeoutOf } from './_timeout.ts';
import { liveResolverFactory } from './_live.ts';
import type { Io } from './io.ts';
import type { RenderRequest } from '../render.ts';
import type { Timeout } from './_timeout.ts';

export interface GeneratorOptions {
  readonly paths: readonly string[];
  readonly lockPath?: string;
  readonly offline: boolean;
  readonly locked: boolean;
  /** Namespace of the declarations that state none. */
  readonly namespace?: string;
  /** The cluster to render, when the paths hold Meshes for several. */
  readonly cluster?: string;
  readonly timeout: Timeout;
}

export const GENERATOR_API_VERSION = 'meshext.dev/v1alpha1';
export const GENERATOR_KIND = 'ExtensionGenerator';

export function isGeneratorConfig(o: Readonly<Record<string, unknown>> | undefined): boolean {
  return o?.apiVersion === GENERATOR_API_VERSION && o?.kind === GENERATOR_KIND;
}

export function generatorOptions(config: Readonly<Record<string, unknown>>, cwd: string, env: Readonly<Record<string, string | undefined>>, file: string, report: (d: Diagnostic) => void): GeneratorOptions | undefined {
  if (!isGeneratorConfig(config)) {
    report({ code: 'UNKNOWN_KIND', severity: 'error', message: `the function config must be ${GENERATOR_API_VERSION} ${GENERATOR_KIND}, not ${String(config.apiVersion)} ${String(config.kind)}`, file });
    return undefined;
  }
  const { errors } = validateDocument(GENERATOR_API_VERSION, GENERATOR_KIND, config);
  for (const e of errors) report({ code: 'SCHEMA', severity: 'error', message: e.message, file, field: formatPath(e.path) });
  if (errors.length > 0) return undefined;
  const spec = (config.spec ?? {}) as { paths?: string[]; lock?: string; offline?: boolean; locked?: boolean; namespace?: string; cluster?: string; timeout?: string | number };
  const timeout = timeoutOf([[spec.timeout, 'spec.timeout'], [env.MESHEXT_TIMEOUT, 'MESHEXT_TIMEOUT']]);
  if (typeof timeout === 'string') {
    report({ code: 'SCHEMA', severity: 'error', message: timeout, file, ...(spec.timeout !== undefined ? { field: 'spec.timeout' } : {}) });
    return undefined;
  }
  return {
    paths: (spec.paths ?? []).map((p) => resolve(cwd, p)),
    lockPath: spec.lock !== undefined ? resolve(cwd, spec.lock) : undefined,
    offline: spec.offline === true,
    locked: spec.locked === true,
    namespace: spec.namespace,
    ...(spec.cluster !== undefined ? { cluster: spec.cluster } : {}),
    timeout,
  };
}

/** What an ExtensionGenerator asks of a render, as both kustomize adapters (KRM function, exec plugin) pass it. */
export function generatorRequest(options: GeneratorOptions, io: Io, start: number): Pick<RenderRequest, 'paths' | 'cwd' | 'offline' | 'locked' | 'defaultNamespace' | 'cluster' | 'clusterFrom' | 'mode' | 'live'> {
  return {
    paths: options.paths,
    cwd: io.cwd,
    offline: options.offline,
    locked: options.locked,
    defaultNamespace: options.namespace,
    ...(options.cluster !== undefined ? { cluster: options.cluster, clusterFrom: 'spec.cluster of the ExtensionGenerator' } : {}),
    mode: 'render',
    live: liveResolverFactory(io, options.timeout, start),
  };
}
