// A bounded pool: `run` over `items`, at most `size` at a time, each started in input order.
// Callers keep results by key, never by completion order, so nothing depends on timing.

export async function inPool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
