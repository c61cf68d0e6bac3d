// The render's deadline as the user gives it: `--timeout`, an ExtensionGenerator's spec.timeout or
// MESHEXT_TIMEOUT, written as Go writes durations (`60s`, `1m30s`, `500ms`) or as seconds (`90`).

/** Under Argo CD's default exec timeout of 90 s, so meshext stops first and says why. */
export const DEFAULT_TIMEOUT = '60s';

/** Far beyond any render; also under the longest delay a Node timer can wait (about 24.8 days). */
const MAX_MS = 24 * 3_600_000;

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const SECONDS = new RegExp(`^${NUMBER}$`);
const GO_DURATION = new RegExp(String.raw`^(?:${NUMBER}(?:ns|us|µs|μs|ms|s|m|h))+$`);
const PART = new RegExp(String.raw`(${NUMBER})(ns|us|µs|μs|ms|s|m|h)`, 'g');

export interface Timeout {
  readonly ms: number;
  /** Where the value came from, as messages quote it: `--timeout 2s`. */
  readonly source: string;
}

/** Milliseconds, or why the text is not a usable deadline. */
export function parseDuration(text: string): number | { readonly error: string } {
  const t = text.trim();
  let ms: number;
  if (SECONDS.test(t)) ms = Number(t) * 1000;
  else if (GO_DURATION.test(t)) ms = [...t.matchAll(PART)].reduce((sum, m) => sum + Number(m[1]) * UNIT_MS[m[2]!]!, 0);
  else return { error: `"${text}" is not a duration: write it as Go does (60s, 1m30s, 500ms) or as a number of seconds` };
  if (ms === 0) return { error: `a deadline of ${t} would stop every render that needs the network; give a positive duration (default ${DEFAULT_TIMEOUT})` };
  if (ms < 1) return { error: `"${t}" is less than a millisecond` };
  if (ms > MAX_MS) return { error: `"${t}" is more than 24h` };
  return Math.round(ms);
}

/**
 * The first of `given` that is set, in precedence order (empty counts as unset), else the
 * default; or the usage error of the first one set.
 */
export function timeoutOf(given: readonly (readonly [value: string | number | undefined, source: string])[]): Timeout | string {
  const set = given.find(([v]) => v !== undefined && v !== '');
  if (set === undefined) return { ms: parseDuration(DEFAULT_TIMEOUT) as number, source: `the default of ${DEFAULT_TIMEOUT}` };
  const [value, source] = set;
  const ms = parseDuration(String(value));
  if (typeof ms === 'object') return `${source}: ${ms.error}`;
  return { ms, source: `${source} ${String(value).trim()}` };
}
