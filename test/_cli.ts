// Runs the CLI in-process with captured streams, as src/cli/main.ts would from a shell.

import { fileURLToPath } from 'node:url';
import { cli } from '../src/cli/cli.ts';
import type { Io } from '../src/cli/io.ts';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: readonly string[], opts: { cwd?: string; stdin?: string | Buffer; env?: Record<string, string | undefined>; stdinIsTTY?: boolean; stderrIsTTY?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    argv,
    env: opts.env ?? { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME },
    cwd: opts.cwd ?? process.cwd(),
    stdin: async () => Buffer.from(opts.stdin ?? ''),
    stdinIsTTY: opts.stdinIsTTY ?? opts.stdin === undefined,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    self: { node: process.execPath, script: fileURLToPath(new URL('../dist/meshext.cjs', import.meta.url)) },
  };
  const code = await cli(io);
  return { code, stdout, stderr };
}
