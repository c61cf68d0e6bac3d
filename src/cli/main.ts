#!/usr/bin/env node
// The bin entry: the only place that reads `process`. It builds an Io, runs the CLI and sets
// process.exitCode (process.exit only once stdout has drained: endSoon).

import { writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Io } from './io.ts';
import { APP_CACHE, APP_SCRIPT, loadApp } from './load-app.ts';

// The CLI itself is the app script beside this file (load-app.ts says why).
const here = dirname(fileURLToPath(import.meta.url));
const { cli } = loadApp(join(here, APP_SCRIPT), join(here, APP_CACHE));

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// process.stdin, stdout and stderr are made on first use, and making one loads Node's stream and
// tty code (some milliseconds of every start): a render touches none of them, writing fd 1 itself.
let stdoutStream: NodeJS.WriteStream | undefined;

/** process.stdout, made on first use, writing synchronously to a pipe so output never queues up in memory. */
function stdout(): NodeJS.WriteStream {
  if (stdoutStream === undefined) {
    stdoutStream = process.stdout;
    // Node makes pipes asynchronous by default; this is the long-standing way to turn that off.
    (stdoutStream as unknown as { _handle?: { setBlocking?: (b: boolean) => unknown } })._handle?.setBlocking?.(true);
    stdoutStream.on('error', (e: NodeJS.ErrnoException) => stdoutFailed(e.code));
  }
  return stdoutStream;
}

/** stdout bytes go through process.stdout (copied) from now on; stdout can take no more. */
let stdoutAsync = false;
let stdoutClosed = false;

/**
 * stdout failed: a reader that went away (EPIPE: `meshext render | head`) ends the output quietly;
 * anything else (a full disk) is said once. Either way nothing more is written and the exit code
 * says the output was cut short.
 */
function stdoutFailed(code: string | undefined): void {
  if (stdoutClosed) return;
  stdoutClosed = true;
  // A stream write fails after the command has returned: the exit code is set here too.
  if (!process.exitCode) process.exitCode = 1;
  if (code !== 'EPIPE') process.stderr.write(`meshext: cannot write to stdout: ${code ?? 'error'}; the output is incomplete\n`);
}

/**
 * Bytes to fd 1 before returning, so the caller may reuse its buffer. Where the descriptor turns
 * out not to block (EAGAIN), the rest goes through process.stdout as copies, and so does every
 * later write, to keep the order. A write that fails ends the output (stdoutFailed).
 */
function stdoutBytes(bytes: Uint8Array): void {
  if (stdoutClosed) return;
  // Text still queued in process.stdout goes first.
  if (stdoutAsync || (stdoutStream !== undefined && stdoutStream.writableLength > 0)) {
    stdoutAsync = true;
    stdout().write(Buffer.from(bytes));
    return;
  }
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        stdoutAsync = true;
        stdout().write(Buffer.from(bytes.subarray(done)));
        return;
      }
      stdoutFailed(code);
      return;
    }
  }
}

const io: Io = {
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: readStdin,
  get stdinIsTTY() {
    return process.stdin.isTTY === true;
  },
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
  stdout: (s) => {
    if (!stdoutClosed) stdout().write(s);
  },
  stdoutBytes,
  stderr: (s) => void process.stderr.write(s),
  self: { node: process.execPath, script: process.argv[1] ?? '' },
};

/**
 * Ends the process once the command has returned, should anything still hold it open: work the
 * render's deadline gave up on may wait on what nothing can cancel (a read of a FIFO or a hung
 * mount runs in a libuv thread). The timer is unref'd, so it fires only when something else keeps
 * the process alive; output still queued for stdout or stderr is written out first.
 */
function endSoon(): void {
  const queued = (): boolean => (stdoutStream?.writableLength ?? 0) > 0 || process.stderr.writableLength > 0;
  const end = (): void => {
    if (queued()) setTimeout(end, 50).unref();
    else process.exit();
  };
  setTimeout(end, 500).unref();
}

cli(io).then(
  (code) => {
    process.exitCode = code === 0 && stdoutClosed ? 1 : code;
    endSoon();
  },
  (e: unknown) => {
    process.stderr.write(`meshext: internal error, this is a bug: please report it with the input that caused it\n${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
    endSoon();
  },
);
