// The likely fix for an unknown field, among the fields the schema allows at that place. Published
// examples drift in known ways: older API revisions (`pullPolicy`), proto field names instead of JSON
// names (`image_pull_policy`), Maistra's and Gloo's `labels` against Istio's `matchLabels`, the singular
// `targetRef` Istio once had, and the field names one kind uses for what another calls differently.
// Only a name that exists at that place is ever suggested.

import { closestName } from '../model/closest-name.ts';

/** The fields allowed at one place, each 1 when it takes only a list. */
export type AllowedFields = Readonly<Record<string, 0 | 1>>;

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
  // a Mesh's `namespace: istio-system`: its own namespace, not the inventory `namespaces`
  namespace: ['controlPlaneNamespace'],
};

const fold = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

/**
 * `; did you mean "<field>"?` for the unknown field `name` (whose value is `value`), given the fields
 * `allowed` at that place; an empty string when no allowed name is close.
 */
export function suggestField(name: string, value: unknown, allowed: AllowedFields): string {
  const names = Object.keys(allowed);
  const folded = fold(name);
  // A list never meant a field that takes none.
  const fits = (f: string) => Object.hasOwn(allowed, f) && (allowed[f] === 1 || !Array.isArray(value));
  const meant =
    // snake_case, kebab-case or other capitals of an allowed name (proto names, `PluginName`)
    names.find((f) => fold(f) === folded) ??
    (Object.hasOwn(DRIFTS, folded) ? DRIFTS[folded]!.find(fits) : undefined) ??
    closestName(name, names);
  if (meant === undefined) return '';
  const single = allowed[meant] === 1 && value !== undefined && value !== null && !Array.isArray(value);
  return `; did you mean "${meant}"${single ? `, a list with this ${typeof value === 'object' ? 'object' : 'value'} as its one item` : ''}?`;
}
