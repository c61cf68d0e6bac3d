// meshext argocd generate: the Argo CD Config Management Plugin adapter (plugin.yaml's `generate`).
// It turns the Application's plugin parameters and env into `meshext render` options and renders;
// nothing else. Argo CD runs it in the app's source directory inside a random work dir, so every
// path stays relative to that directory and may not leave the checked-out repository.

import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Command, Io } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { usageError } from '../_report.ts';
import { run as render } from './render.ts';
import { DEFAULT_TIMEOUT, parseDuration } from '../_timeout.ts';

type Kind = 'list' | 'string' | 'bool' | 'format' | 'duration';

/** The parameters plugin.yaml announces, with the defaults it announces (Argo CD never sends them). */
export const PARAMETERS: readonly { readonly name: string; readonly kind: Kind; readonly default: string | readonly string[] }[] = [
  { name: 'paths', kind: 'list', default: ['.'] },
  { name: 'lock', kind: 'string', default: '' },
  { name: 'offline', kind: 'bool', default: 'false' },
  { name: 'locked', kind: 'bool', default: 'false' },
  { name: 'allow-empty', kind: 'bool', default: 'false' },
  { name: 'format', kind: 'format', default: 'yaml' },
  { name: 'timeout', kind: 'duration', default: DEFAULT_TIMEOUT },
  { name: 'cluster', kind: 'string', default: '' },
];

export interface CmpOptions {
  readonly paths: readonly string[];
  readonly lock: string | undefined;
  readonly offline: boolean;
  readonly locked: boolean;
  readonly allowEmpty: boolean;
  readonly format: 'yaml' | 'json';
  /** The render's deadline as given (`--timeout`). */
  readonly timeout: string;
  /** The Application's destination namespace: where Argo CD puts a manifest that names none. */
  readonly namespace: string | undefined;
  /** The cluster to render (Argo CD tells a plugin nothing about its destination cluster but its API versions). */
  readonly cluster: string | undefined;
  /** KUBE_API_VERSIONS: what the destination cluster serves, which the output kinds must be among. */
  readonly apiVersions: string | undefined;
}

const HELP = `Usage: meshext argocd generate

The generate command of meshext's Argo CD plugin (plugin.yaml). Run in the Application's source
directory, it renders like \`meshext render\` with options taken from, first to last:
  1. ARGOCD_APP_PARAMETERS (the Application's spec.source.plugin.parameters, as JSON)
  2. PARAM_<NAME>, PARAM_<NAME>_<i> (the same parameters, one variable each)
  3. ARGOCD_ENV_MESHEXT_<NAME> (the Application's spec.source.plugin.env, name MESHEXT_<NAME>)
  4. MESHEXT_<NAME> (the sidecar container's own env: a default for every Application)
  5. the default
An empty value counts as unset. NAME is the parameter upper-cased, '-' as '_'.

Parameters:
  paths        list of files, directories or glob patterns (default .); a string is split at
               commas, except those inside a pattern's {a,b}
  lock         lock file (default: meshext.lock in the first path's directory)
  offline      true|false  use only the lock and the cache (--offline)
  locked       true|false  fail where the lock would change (--locked)
  allow-empty  true|false  an empty stream instead of failing when nothing is declared
  format       yaml|json   output format (Argo CD reads both)
  timeout      duration    the render's deadline (--timeout; default ${DEFAULT_TIMEOUT}, under Argo CD's
                           90 s exec timeout): past it, exit 3 naming what was still pending
  cluster      name        the cluster to render (--cluster): needed when the Meshes name several;
                           an ApplicationSet's cluster generator passes '{{.name}}'
Paths are relative to the Application's source path and may not leave the repository.

A declaration without metadata.namespace takes the Application's destination namespace
(ARGOCD_APP_NAMESPACE), where Argo CD would apply it (\`meshext render -n\`); the
control-plane namespace makes it mesh-wide. KUBE_API_VERSIONS, the API versions Argo CD read from
the destination cluster, must include every output kind (\`meshext render --kube-api-versions\`).
`;

export const run: Command = async (args, io) => {
  const p = parse(args, {});
  if (typeof p === 'string') return usageError(io, 'argocd', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (p.positionals.length !== 1 || p.positionals[0] !== 'generate') return usageError(io, 'argocd', 'expected exactly one subcommand: generate');
  const o = cmpOptionsOf(io.env, io.cwd);
  if (typeof o === 'string') return usageError(io, 'argocd generate', o);
  const argv = [
    ...(o.lock !== undefined ? ['--lock', o.lock] : []),
    ...(o.offline ? ['--offline'] : []),
    ...(o.locked ? ['--locked'] : []),
    ...(o.allowEmpty ? ['--allow-empty'] : []),
    ...(o.format !== 'yaml' ? ['--format', o.format] : []),
    ...(o.timeout !== DEFAULT_TIMEOUT ? ['--timeout', o.timeout] : []),
    ...(o.namespace !== undefined ? ['--namespace', o.namespace] : []),
    ...(o.cluster !== undefined ? ['--cluster', o.cluster] : []),
  ];
  const paths = ['--', ...o.paths];
  // The API versions can run to many kilobytes: the log line says where they come from instead.
  const kube = o.apiVersions !== undefined ? ['--kube-api-versions', o.apiVersions] : [];
  io.stderr(`meshext argocd: meshext render ${[...argv, ...paths].join(' ')}${o.apiVersions !== undefined ? ` (with --kube-api-versions from KUBE_API_VERSIONS, ${o.apiVersions.split(',').filter((x) => x.trim() !== '').length} entries)` : ''}\n`);
  return render([...argv, ...kube, ...paths], io);
};

/** The render options the CMP environment asks for, or the reason it asks for something wrong. */
export function cmpOptionsOf(env: Io['env'], cwd: string): CmpOptions | string {
  const params = parametersOf(env.ARGOCD_APP_PARAMETERS);
  if (typeof params === 'string') return params;
  const known = PARAMETERS.map((d) => `ARGOCD_ENV_MESHEXT_${escaped(d.name)}`);
  const stray = Object.keys(env).filter((k) => k.toUpperCase().startsWith('ARGOCD_ENV_MESHEXT_') && !known.includes(k)).sort();
  if (stray.length > 0) return `unknown plugin env ${stray.map((k) => k.slice('ARGOCD_ENV_'.length)).join(', ')}; meshext's are ${known.map((k) => k.slice('ARGOCD_ENV_'.length)).join(', ')} (upper case)`;
  const values = new Map<string, string | readonly string[]>();
  for (const def of PARAMETERS) {
    const v = lookup(def.name, def.kind, params, env);
    if (typeof v === 'object' && 'error' in v) return v.error;
    values.set(def.name, v ?? def.default);
  }
  const bools: Record<string, boolean> = {};
  for (const def of PARAMETERS.filter((d) => d.kind === 'bool')) {
    const b = boolOf(values.get(def.name) as string);
    if (b === undefined) return `${def.name}: "${String(values.get(def.name))}" is not true or false`;
    bools[def.name] = b;
  }
  const format = values.get('format') as string;
  if (format !== 'yaml' && format !== 'json') return `format: "${format}" is not yaml or json`;
  const timeout = (values.get('timeout') as string).trim();
  const ms = parseDuration(timeout);
  if (typeof ms === 'object') return `timeout: ${ms.error}`;
  const root = repoRootOf(cwd, env.ARGOCD_APP_SOURCE_PATH);
  const paths = values.get('paths') as readonly string[];
  const lock = (values.get('lock') as string) || undefined;
  for (const [what, path] of [...paths.map((x) => ['paths', x] as const), ...(lock ? [['lock', lock] as const] : [])]) {
    const bad = checkPath(path, cwd, root);
    if (bad) return `${what}: "${path}" ${bad}`;
  }
  const cluster = (values.get('cluster') as string).trim() || undefined;
  return { paths, lock, offline: bools.offline!, locked: bools.locked!, allowEmpty: bools['allow-empty']!, format, timeout, namespace: env.ARGOCD_APP_NAMESPACE || undefined, cluster, apiVersions: env.KUBE_API_VERSIONS?.trim() || undefined };
}

type Param = { name?: unknown; string?: unknown; array?: unknown; map?: unknown };

function parametersOf(json: string | undefined): readonly Param[] | string {
  if (json === undefined || json.trim() === '' || json.trim() === 'null') return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    return `ARGOCD_APP_PARAMETERS is not JSON: ${(e as Error).message}`;
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || typeof (x as Param).name !== 'string')) {
    return 'ARGOCD_APP_PARAMETERS is not a list of {name, string|array|map}';
  }
  const known = PARAMETERS.map((d) => d.name);
  const unknown = (v as Param[]).map((x) => x.name as string).filter((n) => !known.includes(n));
  if (unknown.length > 0) return `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; meshext's are ${known.join(', ')}`;
  return v as Param[];
}

/** The first non-empty value among the sources, in precedence order; undefined when none has one. */
function lookup(name: string, kind: Kind, params: readonly Param[], env: Io['env']): string | readonly string[] | undefined | { error: string } {
  const list = kind === 'list';
  const entry = params.find((x) => x.name === name);
  if (entry) {
    if (entry.map !== undefined) return { error: `${name}: takes ${list ? 'a list' : 'a string'}, not a map` };
    if (entry.array !== undefined) {
      if (!list) return { error: `${name}: takes a string, not a list` };
      if (!Array.isArray(entry.array) || entry.array.some((s) => typeof s !== 'string')) return { error: `${name}: the list must hold strings` };
      const items = (entry.array as string[]).filter((s) => s !== '');
      if (items.length > 0) return items;
    } else if (typeof entry.string === 'string' && entry.string !== '') {
      return list ? splitList(entry.string) : entry.string;
    }
  }
  const key = escaped(name);
  if (list) {
    const prefix = `PARAM_${key}_`;
    const indexed = Object.keys(env)
      .filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)))
      .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
      .map((k) => env[k] ?? '')
      .filter((s) => s !== '');
    if (indexed.length > 0) return indexed;
  }
  for (const k of [`PARAM_${key}`, `ARGOCD_ENV_MESHEXT_${key}`, `MESHEXT_${key}`]) {
    const s = env[k];
    if (s !== undefined && s !== '') return list ? splitList(s) : s;
  }
  return undefined;
}

/** Argo CD's PARAM_ naming: upper case, anything outside [A-Z0-9_] becomes '_'. */
function escaped(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** A string parameter's list: split at commas and newlines, but not at a comma of a glob's `{a,b}`. */
export function splitList(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (i === s.length || c === '\n' || (c === ',' && depth === 0)) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
      if (c === '\n') depth = 0; // a brace left open ends with its line
    }
  }
  return out.filter((x) => x !== '');
}

function boolOf(s: string): boolean | undefined {
  const v = s.trim().toLowerCase();
  return ['true', 'yes', '1'].includes(v) ? true : ['false', 'no', '0'].includes(v) ? false : undefined;
}

/**
 * The root of the checked-out repository: the app dir with ARGOCD_APP_SOURCE_PATH taken off its end.
 * Only the part of that path the work dir actually ends with is taken off, since with
 * manifest-generate-paths Argo CD sends a subtree and the app dir is shorter.
 */
export function repoRootOf(cwd: string, sourcePath: string | undefined): string {
  const parts = (sourcePath ?? '').split(/[/\\]+/).filter((s) => s !== '' && s !== '.');
  let root = resolve(cwd);
  for (let i = parts.length - 1; i >= 0 && basename(root) === parts[i] && dirname(root) !== root; i--) root = dirname(root);
  return root;
}

function checkPath(path: string, cwd: string, root: string): string | undefined {
  if (path === '-') return 'is stdin, which Argo CD leaves empty';
  if (isAbsolute(path)) return "is absolute: paths are relative to the Application's source path";
  const rel = relative(root, resolve(cwd, path));
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return 'leaves the repository';
  return undefined;
}
