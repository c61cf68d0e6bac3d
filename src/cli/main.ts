#!/usr/bin/env node
// The bin entry: the only place that reads `process`. It builds an Io, runs the CLI and sets
// process.exitCode (never process.exit, so stdout drains: STYLE habit 10).

import { cli } from './cli.ts';
import type { Io } from './io.ts';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// Synchronous writes to a pipe, so streamed output never queues up in memory (Node makes pipes
// asynchronous by default; this is the long-standing way to turn that off).
(process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => unknown } })._handle?.setBlocking?.(true);

const io: Io = {
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: readStdin,
  stdinIsTTY: process.stdin.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  self: { node: process.execPath, script: process.argv[1] ?? '' },
};

cli(io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`meshext: internal error, this is a bug: please report it with the input that caused it\n${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
  },
);
