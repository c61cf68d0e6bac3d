// Whole-process measurements for `npm run bench`: wall time from spawn to exit, measured here,
// and peak RSS, measured by the kernel. Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the
// child's ru_maxrss from wait4: exact, including memory freed before exit) when it exists;
// otherwise from polling /proc/<pid>/status VmHWM (the kernel's own high-water mark, read until
// the process exits: exact unless the process ends between two polls, so the figure is marked
// as polled). Every command of a run, floors included, goes through the same wrapper, so its
// small cost (one fork/exec of a static binary) is the same on both sides of every ratio.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
export const RSS_METHOD = GNU_TIME ? 'GNU time %M (wait4 ru_maxrss)' : '/proc/<pid>/status VmHWM, polled every 2 ms';

/**
 * Runs argv once. stdout is a pipe read by this process (as Argo CD and kustomize read a
 * generator), kept only when `capture` is set, otherwise only counted.
 * Resolves { code, wallMs, rssKb, bytes, stdout?, stderr }.
 */
export function runProcess(argv, { capture = false, cwd, env, tmpDir = join(tmpdir(), 'meshext-bench') } = {}) {
  mkdirSync(tmpDir, { recursive: true });
  const rssFile = join(tmpDir, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const full = GNU_TIME ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd, env });
    const chunks = [];
    const errChunks = [];
    let bytes = 0;
    let hwm = 0;
    let poll;
    if (!GNU_TIME) {
      const read = () => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwm = Math.max(hwm, Number(m[1]));
        } catch {
          // exited
        }
      };
      poll = setInterval(read, 2);
      read();
    }
    child.stdout.on('data', (c) => {
      bytes += c.length;
      if (capture) chunks.push(c);
    });
    child.stderr.on('data', (c) => errChunks.push(c));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (poll) clearInterval(poll);
      let rssKb = hwm;
      if (GNU_TIME) {
        try {
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          rssKb = Number(lines[lines.length - 1]);
          rmSync(rssFile, { force: true });
        } catch {
          rssKb = NaN;
        }
      }
      resolve({ code, wallMs, rssKb, bytes, stdout: capture ? Buffer.concat(chunks) : undefined, stderr: Buffer.concat(errChunks).toString('utf8') });
    });
  });
}

/** The bench's render path: `node dist/meshext.cjs render <dir> --offline`, stdout captured. */
export async function renderOnce(dir, { bin = 'dist/meshext.cjs', extra = [] } = {}) {
  const r = await runProcess([process.execPath, bin, 'render', dir, '--offline', ...extra], { capture: true });
  if (r.code !== 0) throw new Error(`meshext render ${dir} --offline exited ${r.code}:\n${r.stderr.slice(0, 4000)}`);
  return r;
}

/** The bytes floor: a Node process that only writes `file` to stdout. */
export function bytesFloorArgv(file) {
  return [process.execPath, '-e', 'process.stdout.write(require("fs").readFileSync(process.argv[1]))', file];
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs several commands side by side: `warmup` rounds first (not counted), then `runs` rounds,
 * each round running every command once in turn, so drift on the machine falls on all alike.
 * `commands` maps a name to { argv, check?(result) }. Returns name → { wallMs, rssKb, bytes, runs }
 * with medians (wall) and the maximum (RSS, which barely varies).
 */
export async function sideBySide(commands, { warmup = 1, runs = 5 } = {}) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const [name, c] of Object.entries(commands)) {
      const r = await runProcess(c.argv, { cwd: c.cwd, env: c.env });
      if (r.code !== 0) throw new Error(`${name}: ${c.argv.join(' ')} exited ${r.code}:\n${r.stderr.slice(0, 4000)}`);
      if (c.bytes !== undefined && r.bytes !== c.bytes) throw new Error(`${name}: wrote ${r.bytes} bytes, expected ${c.bytes}`);
      if (round >= warmup) samples[name].push(r);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, rs]) => [
      name,
      { wallMs: round1(median(rs.map((r) => r.wallMs))), minMs: round1(Math.min(...rs.map((r) => r.wallMs))), rssKb: Math.max(...rs.map((r) => r.rssKb)), bytes: rs[0].bytes, runs: rs.length },
    ]),
  );
}

export const round1 = (x) => Math.round(x * 10) / 10;
