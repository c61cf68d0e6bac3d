// `explain --against REF`: the declarations REF names, as paths a second render reads. REF is a directory
// (another copy of the declarations: it stands in for the render root, the first PATH's directory) or a
// git revision of the repository the first PATH is in, whose files are copied into a temporary directory
// with `git ls-tree` and `git cat-file` (the working tree and the index are never touched). Either way each
// PATH, and a --lock inside the same tree, map to the same relative path inside REF; a --lock outside it
// serves both sides. A directory wins over a revision of the same name.

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Io } from './io.ts';
import { EXIT } from './io.ts';
import { printDiagnostics, usageError } from './_report.ts';
import type { RenderRequest } from '../render.ts';
import { render } from '../render.ts';
import type { NamespaceOrder } from '../explain/explain-order.ts';
import { explainOrder } from '../explain/explain-order.ts';

export interface AgainstInput {
  readonly paths: readonly string[];
  readonly lockPath?: string;
  /** Removes the temporary copy of a git revision; a no-op for a directory. */
  readonly cleanup: () => Promise<void>;
}

const GLOB = /[*?[\]{}!]/;

/** The REF side's paths and lock, or a usage error. `paths` are the PATH arguments as given. */
export async function readAgainst(ref: string, paths: readonly string[], lockPath: string | undefined, io: Io): Promise<AgainstInput | string> {
  const given = (paths.length > 0 ? paths : ['.']).map((p) => resolve(io.cwd, p));
  const dir = resolve(io.cwd, ref);
  const asDir = await kindOf(dir);
  if (asDir === 'dir') {
    const base = await staticDir(given[0]!);
    const mapped = mapAll(given, lockPath, base, dir);
    return typeof mapped === 'string' ? `${mapped} (with --against ${ref}, a directory standing in for ${base})` : { ...mapped, cleanup: async () => {} };
  }
  const start = await staticDir(given[0]!);
  const top = await git(['rev-parse', '--show-toplevel'], start, io);
  const commit = top.code === 0 && !ref.startsWith('-') ? await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], start, io) : undefined;
  if (top.code !== 0 || !commit || commit.code !== 0) {
    const why = top.code !== 0 ? `${start} is not in a git repository: ${firstLine(top.stderr)}` : `no commit "${ref}" in ${top.stdout.toString().trim()}`;
    return `--against "${ref}" is neither a directory (${asDir === 'missing' ? 'no such directory' : 'not a directory'}: ${dir}) nor a git revision (${why})`;
  }
  const root = top.stdout.toString().trim();
  // git names the repository by its real path: compare PATHs given through a symbolic link likewise.
  const real = await Promise.all(given.map(realPath));
  const realLock = lockPath === undefined ? undefined : await realPath(lockPath);
  const tmp = await mkdtemp(join(tmpdir(), 'meshext-against-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  const mapped = mapAll(real, realLock, root, tmp);
  if (typeof mapped === 'string') {
    await cleanup();
    return `${mapped} (the repository is ${root})`;
  }
  const wanted = [...real, ...(realLock && inside(root, realLock) ? [realLock] : [])];
  const copied = await copyRevision(commit.stdout.toString().trim(), root, wanted.map(staticPrefix), tmp, io);
  if (copied !== undefined) {
    await cleanup();
    return `--against ${ref}: ${copied}`;
  }
  // A PATH that did not exist at REF reads as empty there, so what it declares now counts as added: a
  // directory is made empty, a file is left out (and if every PATH was, the first one's directory is read).
  const kept: string[] = [];
  for (const [i, p] of mapped.paths.entries()) {
    if (GLOB.test(p) || (await kindOf(p)) !== 'missing') kept.push(p);
    else if ((await kindOf(given[i]!)) === 'dir') {
      await mkdir(p, { recursive: true });
      kept.push(p);
    }
  }
  if (kept.length === 0) {
    const first = join(tmp, relative(root, await staticDir(real[0]!)));
    await mkdir(first, { recursive: true });
    kept.push(first);
  }
  return { ...mapped, paths: kept, cleanup };
}

function mapAll(given: readonly string[], lockPath: string | undefined, base: string, to: string): Omit<AgainstInput, 'cleanup'> | string {
  const outside = given.find((p) => !inside(base, p));
  if (outside) return `${outside} is outside ${base}, which REF stands in for`;
  const at = (p: string) => join(to, relative(base, p));
  return { paths: given.map(at), lockPath: lockPath && inside(base, lockPath) ? at(lockPath) : lockPath };
}

/** Copies every regular file under `dirs` (absolute, inside `root`) at `commit` into `to`; symbolic links and submodules are skipped. */
async function copyRevision(commit: string, root: string, dirs: readonly string[], to: string, io: Io): Promise<string | undefined> {
  const specs = [...new Set(dirs.map((d) => relative(root, d).split(sep).join('/')))];
  const listed = await git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(specs.includes('') ? [] : specs)], root, io);
  if (listed.code !== 0) return `git ls-tree: ${firstLine(listed.stderr)}`;
  const blobs = listed.stdout.toString().split('\0').flatMap((line) => {
    const m = /^(100644|100755) blob ([0-9a-f]+)\t(.+)$/s.exec(line);
    return m ? [{ oid: m[2]!, path: m[3]! }] : [];
  });
  const cat = await git(['cat-file', '--batch'], root, io, blobs.map((b) => `${b.oid}\n`).join(''));
  if (cat.code !== 0) return `git cat-file: ${firstLine(cat.stderr)}`;
  let at = 0;
  for (const b of blobs) {
    const nl = cat.stdout.indexOf(0x0a, at);
    const size = Number(cat.stdout.subarray(at, nl).toString().split(' ')[2]);
    const file = join(to, ...b.path.split('/'));
    at = nl + 1 + size + 1;
    if (b.path.split('/').some((c) => c === '..' || c === '.' || c === '') || !inside(to, file)) continue;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, cat.stdout.subarray(nl + 1, nl + 1 + size));
  }
  return undefined;
}

interface GitRun {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function git(args: readonly string[], cwd: string, io: Io, input?: string): Promise<GitRun> {
  return new Promise((done) => {
    const child = spawn('git', args, { cwd, env: { ...io.env, GIT_OPTIONAL_LOCKS: '0' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => done({ code: -1, stdout: Buffer.alloc(0), stderr: `cannot run git: ${e.message}` }));
    child.on('close', (code) => done({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    // git may exit before reading all of it (a failure it reports on stderr): no EPIPE crash then.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** A PATH without its pattern part: what to copy from a revision for it. */
function staticPrefix(p: string): string {
  let d = p;
  while (GLOB.test(d)) d = dirname(d);
  return d;
}

/** The directory a PATH names: itself, or for a file or a pattern the directory above it. */
async function staticDir(p: string): Promise<string> {
  let d = p;
  while (GLOB.test(d)) d = dirname(d);
  return d === p && (await kindOf(p)) !== 'dir' ? dirname(p) : d;
}

/** The path with symbolic links resolved, as far as it exists (a glob or a missing file keeps its tail). */
async function realPath(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(await realPath(parent), basename(p));
  }
}

async function kindOf(p: string): Promise<'dir' | 'file' | 'missing'> {
  try {
    return (await stat(p)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

function inside(base: string, p: string): boolean {
  const r = relative(base, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] || 'failed';
}

/** The explain order at REF (usage errors and REF's diagnostics printed; their exit code returned instead). */
export async function explainOrderAt(ref: string, req: RenderRequest, io: Io): Promise<NamespaceOrder[] | number> {
  const input = await readAgainst(ref, req.paths, req.lockPath, io);
  if (typeof input === 'string') return usageError(io, 'explain', input);
  try {
    const result = await render({ ...req, paths: input.paths, lockPath: input.lockPath, allowEmpty: true, live: undefined });
    if (result.exitCode !== 0 || !result.mesh) {
      io.stderr(`meshext explain: the declarations at --against ${ref} do not render:\n`);
      printDiagnostics(io, result.diagnostics, result.root);
      return result.exitCode || EXIT.invalid;
    }
    return explainOrder(result.resolved, result.mesh);
  } finally {
    await input.cleanup();
  }
}
