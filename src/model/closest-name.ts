// The likely intended name for a misspelt one, among the names that exist at that place: used to put
// the fix into an error ("did you mean …?"). It runs only once something is already wrong.

/**
 * The candidate nearest to `name`, compared case-insensitively (the number of inserted, deleted,
 * replaced or swapped characters), or undefined when none is close enough: at most a third of the
 * name's length, and never more than `limit`. Ties go to the earlier candidate.
 */
export function closestName(name: string, candidates: readonly string[], limit = 3): string | undefined {
  const wanted = name.toLowerCase();
  const allowed = Math.min(limit, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const c of candidates) {
    const d = editDistance(wanted, c.toLowerCase(), bestDistance);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Optimal string alignment distance; stops early (returning `stop`) once it cannot come under `stop`. */
export function editDistance(a: string, b: string, stop = Infinity): number {
  if (Math.abs(a.length - b.length) >= stop) return stop;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1];
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (same ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= stop) return stop;
    [before, previous] = [previous, row];
  }
  return Math.min(previous[b.length]!, stop);
}
