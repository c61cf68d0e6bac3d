// An experiment the bench measures beside the real CLI (docs/decisions.md, decision 16): the same CLI
// started from a V8 startup snapshot (`node --snapshot-blob B --build-snapshot X.cjs`,
// then `node --snapshot-blob B render ...`). The snapshot holds every module already evaluated
// and, after a warm-up render of a small repo while it is built, their functions compiled, so a
// render starts without loading or compiling any code. Nothing here is part of the product: the
// numbers tell whether shipping a snapshot (for the Argo CD sidecar, whose node is fixed) pays.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

// Mirrors src/cli/main.ts, but runs as the snapshot's main function instead of at load.
const ENTRY = `
import { startupSnapshot } from 'node:v8';
import { cli } from './src/cli/cli.ts';
import type { Io } from './src/cli/io.ts';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function processIo(argv: readonly string[]): Io {
  return {
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdin: readStdin,
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    self: { node: process.execPath, script: process.argv[1] ?? '' },
  };
}

if (!startupSnapshot.isBuildingSnapshot()) throw new Error('build this with node --build-snapshot');
const warm = process.env.MESHEXT_SNAPSHOT_WARM;
if (warm) {
  // Compile what a render runs; the output goes nowhere.
  const sink = (): void => {};
  const io: Io = { ...processIo(['render', warm, '--offline']), stdout: sink, stderr: sink, stdinIsTTY: true, stderrIsTTY: false };
  cli(io).then((code) => {
    if (code !== 0) throw new Error('warm-up render failed: ' + code);
  });
}
startupSnapshot.setDeserializeMainFunction(() => {
  // argv: [node, ...arguments]; there is no script path when starting from a snapshot.
  cli(processIo(process.argv.slice(1))).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write('meshext: internal error, this is a bug: please report it with the input that caused it\\n' + ((e as Error)?.stack ?? String(e)) + '\\n');
      process.exitCode = 70;
    },
  );
});
`;

/** Builds `<dir>/meshext.blob`; returns the argv prefix that starts the CLI from it, or undefined with the reason. */
export async function buildSnapshot(dir, warmRepo) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'meshext-snapshot.cjs');
  const blob = resolve(dir, 'meshext.blob');
  await build({
    stdin: { contents: ENTRY, resolveDir: process.cwd(), sourcefile: 'snapshot-entry.ts', loader: 'ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node24',
    outfile: script,
    legalComments: 'none',
    logLevel: 'error',
    // A CommonJS bundle has no import.meta.url: the validator loader finds src/schema/_generated/ from it.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(resolve('src/schema/load-validator.ts')).href) },
  });
  const r = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', script], { encoding: 'utf8', env: { ...process.env, MESHEXT_SNAPSHOT_WARM: warmRepo ?? '' } });
  if (r.status !== 0) return { reason: `node --build-snapshot failed: ${(r.stderr || r.stdout).slice(0, 500)}` };
  return { argv: [process.execPath, '--snapshot-blob', blob] };
}
