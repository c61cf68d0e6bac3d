// The likely fix for an unknown field, among the fields the schema allows at that place. Published
// examples drift in known ways: older API revisions (`pullPolicy`), proto field names instead of JSON
// names (`image_pull_policy`), Maistra's and Gloo's `labels` against Istio's `matchLabels`, the singular
// `targetRef` Istio once had, and the field names one kind uses for what another calls differently.
// Only a name that exists at that place is ever suggested.

import { closestName } from '../model/closest-name.ts';

/** Known drifts, keyed by the unknown name folded (lower case, no `_` or `-`): the names it may have meant. */
const DRIFTS: Readonly<Record<string, readonly string[]>> = {
  labels: ['matchLabels'],
  matchlabels: ['labels'],
  pullpolicy: ['imagePullPolicy'],
  pullsecret: ['imagePullSecret'],
  targetref: ['targetRefs'],
  rootid: ['pluginName'],
  config: ['pluginConfig'],
  pluginconfig: ['config'],
  url: ['image'],
  image: ['url'],
};

/** Drifts from a singular field to a plural one that takes a list. */
const SINGULAR = new Set(['targetref']);

const fold = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

/**
 * ` did you mean "<field>"?` style advice for the unknown field `name` (whose value is `value`), given
 * the field names `allowed` at that place; an empty string when no allowed name is close.
 */
export function suggestField(name: string, value: unknown, allowed: readonly string[]): string {
  const folded = fold(name);
  const drift = Object.hasOwn(DRIFTS, folded) ? DRIFTS[folded]!.find((f) => allowed.includes(f)) : undefined;
  const meant =
    // snake_case, kebab-case or other capitals of an allowed name (proto names, `PluginName`)
    allowed.find((f) => fold(f) === folded) ?? drift ?? closestName(name, allowed);
  if (meant === undefined) return '';
  const oneItem = meant === drift && SINGULAR.has(folded) && !Array.isArray(value) && value !== null && typeof value === 'object';
  return `; did you mean "${meant}"${oneItem ? ', a list with this object as its one item' : ''}?`;
}
