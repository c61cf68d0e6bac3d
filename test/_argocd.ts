// Runs plugin.yaml's commands the way Argo CD's argocd-cmp-server does (argo-cd cmpserver/plugin/plugin.go,
// reposerver/repository/repository.go):
// - the repo (or, with manifest-generate-paths, a subtree of it) lands in <tmp>/_cmp_server/<random>/
//   with files 0644 and dirs 0755 (preserveFileMode: false);
// - the command is exec'd as command[0] with command[1:] + args, in the app's directory, stdin empty,
//   env = the sidecar's own env followed by the request env (a later duplicate wins);
// - the request env holds the build vars, ARGOCD_ENV_<name> (envsubst'ed), ARGOCD_APP_PARAMETERS
//   (json.Marshal of the parameter list, `null` for a plugin section without parameters) and PARAM_*.

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..');
export const BUNDLE = join(ROOT, 'dist', 'meshext.cjs');

export interface PluginCommand {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface PluginConfig {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly version?: string;
    readonly init?: PluginCommand;
    readonly generate: PluginCommand;
    readonly discover?: { readonly fileName?: string; readonly find?: PluginCommand & { readonly glob?: string } };
    readonly parameters?: { readonly static?: readonly Record<string, unknown>[]; readonly dynamic?: PluginCommand };
    readonly preserveFileMode?: boolean;
    readonly provideGitCreds?: boolean;
  };
}

export function readPlugin(): PluginConfig {
  return parse(readFileSync(join(ROOT, 'plugin.yaml'), 'utf8')) as PluginConfig;
}

/** A parameter as spec.source.plugin.parameters holds it. */
export type AppParameter = { name: string; string?: string; array?: string[]; map?: Record<string, string> };

export interface AppSource {
  readonly name?: string;
  readonly namespace?: string;
  readonly repoURL?: string;
  /** spec.source.path */
  readonly path: string;
  /** spec.source.plugin; undefined = no plugin section (auto-discovery): no ARGOCD_ENV_*, no parameters. */
  readonly plugin?: { readonly env?: readonly { name: string; value: string }[]; readonly parameters?: readonly AppParameter[] };
}

/** The env the repo-server sends with a manifest request for this Application source. */
export function requestEnv(app: AppSource): Record<string, string> {
  const build: Record<string, string> = {
    ARGOCD_APP_NAME: app.name ?? 'mesh-extensions',
    ARGOCD_APP_NAMESPACE: app.namespace ?? 'istio-system',
    ARGOCD_APP_PROJECT_NAME: 'default',
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_REVISION_SHORT: '0123456',
    ARGOCD_APP_REVISION_SHORT_8: '01234567',
    ARGOCD_APP_SOURCE_REPO_URL: app.repoURL ?? 'https://git.example.com/platform/mesh.git',
    ARGOCD_APP_SOURCE_PATH: app.path,
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
    KUBE_VERSION: '1.30.2',
    KUBE_API_VERSIONS: 'extensions.istio.io/v1alpha1,extensions.istio.io/v1alpha1/WasmPlugin,v1,v1/Namespace',
  };
  if (!app.plugin) return build;
  const env = { ...build };
  for (const e of app.plugin.env ?? []) env[`ARGOCD_ENV_${e.name}`] = envsubst(e.value, build);
  const params = app.plugin.parameters;
  env.ARGOCD_APP_PARAMETERS = params === undefined ? 'null' : JSON.stringify(params.map(goMarshal));
  for (const p of params ?? []) {
    const base = `PARAM_${escaped(p.name)}`;
    if (p.string !== undefined) env[base] = p.string;
    for (const [k, v] of Object.entries(p.map ?? {})) env[`${base}_${escaped(k)}`] = v;
    (p.array ?? []).forEach((v, i) => (env[`${base}_${i}`] = v));
  }
  return env;
}

// ApplicationSourcePluginParameter.MarshalJSON builds a map[string]any; Go sorts map keys.
function goMarshal(p: AppParameter): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name };
  if (p.string !== undefined) out.string = p.string;
  if (p.map !== undefined) out.map = p.map;
  if (p.array !== undefined) out.array = p.array;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function escaped(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

// Env.Envsubst: $VAR and ${VAR} from the build env, $$ for a literal $, unknown names become "".
function envsubst(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a?: string, b?: string) => (m === '$$' ? '$' : (vars[a ?? b ?? ''] ?? '')));
}

/**
 * Lays out a repository the way the cmp-server unpacks it: <base>/_cmp_server/<uuid>/<files>, files 0644,
 * dirs 0755. `files` maps repository paths to a source file or directory, or to inline content.
 * Returns the work dir (the unpacked root).
 */
export function unpackRepo(base: string, files: Record<string, string | { content: string }>): string {
  const work = join(base, '_cmp_server', randomUUID());
  mkdirSync(work, { recursive: true });
  for (const [to, from] of Object.entries(files)) {
    const dst = join(work, to);
    if (typeof from === 'object') {
      mkdirSync(join(dst, '..'), { recursive: true });
      writeFileSync(dst, from.content);
    } else {
      cpSync(from, dst, { recursive: true });
    }
  }
  normalizeModes(work);
  return work;
}

function normalizeModes(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) normalizeModes(p);
    else chmodSync(p, 0o644);
  }
}

/** A `meshext` on PATH that runs the built bundle, as the sidecar image's /usr/local/bin/meshext does. */
export function shimBin(base: string): string {
  const bin = join(base, 'bin');
  mkdirSync(bin, { recursive: true });
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`; // the checkout's path may hold any character
  writeFileSync(join(bin, 'meshext'), `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(BUNDLE)} "$@"\n`);
  chmodSync(join(bin, 'meshext'), 0o755);
  return bin;
}

/** The sidecar container's own env: a PATH with meshext on it, a writable cache under the temp dir. */
export function sidecarEnv(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${shimBin(base)}:/usr/local/bin:/usr/bin:/bin`, HOME: join(base, 'home'), XDG_CACHE_HOME: join(base, 'cache'), ...extra };
}

export interface CmdResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** runCommand: exec command[0] with command[1:] + args in dir, stdin empty, env sidecar-then-request. */
export function runPluginCommand(cmd: PluginCommand, dir: string, sidecar: Record<string, string>, request: Record<string, string>): CmdResult {
  const argv = [...(cmd.command ?? []), ...(cmd.args ?? [])];
  if (argv.length === 0) throw new Error('Command is empty');
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, env: { ...sidecar, ...request }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** matchRepository with discover.find.command: a match is exit 0 and non-empty output. */
export function discovers(plugin: PluginConfig, appDir: string, sidecar: Record<string, string>, request: Record<string, string>): { match: boolean; result: CmdResult } {
  const find = plugin.spec.discover?.find;
  if (!find?.command) throw new Error('plugin.yaml has no discover.find.command');
  const result = runPluginCommand(find, appDir, sidecar, request);
  return { match: result.code === 0 && result.stdout.replace(/\n$/, '') !== '', result };
}
