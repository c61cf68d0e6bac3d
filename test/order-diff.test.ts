// The order diff behind `explain --against`: added, removed and moved per chain, where removed entries
// land, what counts as a move, and the summary counts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChainEntry, NamespaceOrder } from '../src/explain/explain-order.ts';
import type { IstioPhase } from '../src/model/extension.ts';
import { countChanges, describeChanges, diffChain, diffOrder } from '../src/explain/order-diff.ts';

/** `name:priority` or `name:priority:PHASE`, in namespace shop unless `ns/` leads. */
function chain(spec: string): ChainEntry[] {
  return spec.split(' ').filter((s) => s !== '').map((s) => {
    const [id, priority, phase] = s.split(':');
    const [namespace, name] = id!.includes('/') ? id!.split('/') : ['shop', id];
    return { phase: (phase ?? 'AUTHZ') as IstioPhase, priority: Number(priority), kind: 'WasmPlugin', name: name!, namespace: namespace!, modes: [] };
  });
}

/** `name` plain, `+name` added, `-name@2` removed (was 2), `~name@3` moved, `!p5` priority was 5. */
function show(entries: readonly ChainEntry[]): string {
  const mark = { added: '+', removed: '-', moved: '~' } as const;
  return entries.map((e) => `${e.change ? mark[e.change] : ''}${e.name}${e.was ? `@${e.was}` : ''}${e.wasPriority !== undefined ? `!p${e.wasPriority}` : ''}${e.wasPhase ? `!${e.wasPhase}` : ''}`).join(' ');
}

const cases: Record<string, { now: string; before: string; expected: string }> = {
  'no change': { now: 'a:3 b:2 c:1', before: 'a:3 b:2 c:1', expected: 'a b c' },
  'an insertion shifts the rest without moving them': { now: 'x:9 a:3 b:2', before: 'a:3 b:2', expected: '+x a b' },
  'a deletion shifts the rest without moving them': { now: 'b:2 c:1', before: 'a:3 b:2 c:1', expected: '-a@1 b c' },
  'the entry whose priority changed is the one that moved': { now: 'b:2 c:1 a:0', before: 'a:3 b:2 c:1', expected: 'b c ~a@1!p3' },
  'raised above the others: still the edited one moves': { now: 'c:9 a:3 b:2', before: 'a:3 b:2 c:1', expected: '~c@3!p1 a b' },
  'a priority change that keeps the order is no move': { now: 'a:3 b:2 c:0', before: 'a:3 b:2 c:1', expected: 'a b c!p1' },
  'a phase change that reorders is a move': { now: 'b:2 a:3:STATS', before: 'a:3 b:2', expected: 'b ~a@1!AUTHZ' },
  'a swap with no priority change keeps the first found': { now: 'b:2 a:2', before: 'a:2 b:2', expected: 'b ~a@1' },
  'removed entries follow their previous neighbour in REF': { now: 'c:3 a:1', before: 'a:1 b:1 c:3', expected: 'c ~a@1 -b@2' },
  'leading removed entries come first, in their REF order': { now: 'c:1', before: 'a:3 b:2 c:1 d:0', expected: '-a@1 -b@2 c -d@4' },
  'identity is kind, namespace and name': { now: 'istio-system/a:3', before: 'a:3', expected: '-a@1 +a' },
  'everything new': { now: 'a:1 b:0', before: '', expected: '+a +b' },
  'everything gone': { now: '', before: 'a:1 b:0', expected: '-a@1 -b@2' },
};

for (const [name, c] of Object.entries(cases)) {
  test(name, () => {
    assert.is(show(diffChain(chain(c.now), chain(c.before))), c.expected);
  });
}

const order = (ns: string, groups: Record<string, string>): NamespaceOrder => ({ namespace: ns, groups: Object.entries(groups).map(([selector, spec]) => ({ selector, chain: chain(spec), warnings: [] })) });

test('groups and namespaces on one side only are all added or all removed; warnings are the new side\'s', () => {
  const now = [order('pay', { '*': 'p:1' }), { namespace: 'shop', groups: [{ selector: '*', chain: chain('a:2 b:2'), warnings: ['a and b tie'] }] }];
  const before = [order('old', { '*': 'o:1' }), order('shop', { '*': 'a:2', 'app=api': 'a:2 z:1' })];
  const d = diffOrder(now, before);
  assert.equal(d.map((n) => [n.namespace, n.groups.map((g) => [g.selector, show(g.chain), g.warnings])]), [
    ['old', [['*', '-o@1', []]]],
    ['pay', [['*', '+p', []]]],
    ['shop', [['*', 'a +b', ['a and b tie']], ['app=api', '-a@1 -z@2', []]]],
  ]);
});

test('counts: each extension once per namespace, however many selections show it', () => {
  const d = diffOrder([order('shop', { '*': 'n:5 a:1', 'app=api': 'n:5 a:1 b:0' }), order('pay', { '*': 'n:5' })], [order('shop', { '*': 'a:1 r:0', 'app=api': 'a:1 b:0 r:0' })]);
  const c = countChanges(d);
  assert.equal(c, { added: 2, removed: 1, moved: 0, namespaces: 2 });
  assert.is(describeChanges(c), '2 added, 1 removed, 0 moved in 2 namespaces');
  assert.is(describeChanges(countChanges(diffOrder([order('shop', { '*': 'a:1' })], [order('shop', { '*': 'a:1' })]))), 'no change in the order');
});

test.run();
