// The clock a render's deadline counts on: milliseconds since the process started.
// process.uptime() rather than performance.now(): the first use of the global `performance`
// loads Node's perf_hooks modules, about a millisecond of every start, which a render without a
// request would pay only to note when it began.

/** Milliseconds since the process started (monotonic). */
export function nowMs(): number {
  return process.uptime() * 1000;
}
