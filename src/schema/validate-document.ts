// Validates one input document against the precompiled schema of its apiVersion/kind (and, for
// WasmPlugin-shaped kinds, Istio's CEL rules), and turns ajv's errors into one plain-words issue per place.

import type { AjvError, KindValidator } from './_generated/validators.js';
import { checkIstioRules, noDuplicateEnvNames, noLabelWildcards } from './istio-rules.ts';
import { validatorFor } from './load-validator.ts';
import { checkTrafficExtensionRules } from './traffic-extension-rules.ts';
import { suggestField } from './suggest-field.ts';

export type IssuePath = readonly (string | number)[];

export interface SchemaIssue {
  /** JSON path of the offending node; for a missing field, the parent's path plus the field name. */
  readonly path: IssuePath;
  readonly message: string;
}

export interface DocumentValidation {
  /** False when no schema exists for this apiVersion/kind (errors is then empty). */
  readonly known: boolean;
  readonly errors: SchemaIssue[];
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateDocument(apiVersion: string, kind: string, value: unknown): DocumentValidation {
  const id = `${apiVersion}/${kind}`;
  const validator = validatorFor(id);
  if (!validator) return { known: false, errors: [] };
  validator.validate(value);
  const ranked = explain(validator.validate.errors ?? [], value, validator);
  for (const issue of rulesFor(id, value)) ranked.push({ ...issue, rank: RULE_RANK });
  return { known: true, errors: onePerPlace(ranked) };
}

function rulesFor(id: string, doc: unknown): SchemaIssue[] {
  const spec = isObj(doc) ? doc.spec : undefined;
  if (id === 'extensions.istio.io/v1alpha1/WasmPlugin') return checkIstioRules('WasmPlugin', spec);
  if (id === 'extensions.istio.io/v1alpha1/TrafficExtension') return checkTrafficExtensionRules(spec);
  // The foreign kinds become WasmPlugins too: what Istio's CEL rules would refuse there is refused here.
  if (id.endsWith('/ServiceMeshExtension')) return maistraRules(doc, spec);
  if (id === 'extension.tsb.tetrate.io/v2/WasmExtension') return isObj(spec) && isObj(spec.vmConfig) ? noDuplicateEnvNames(spec.vmConfig.env, ['spec', 'vmConfig', 'env']) : [];
  if (id.endsWith('/WasmDeployment')) return glooRules(spec);
  if (id === 'extensions.policy.gloo.solo.io/v2/WasmDeploymentPolicy') return glooPolicyRules(spec);
  if (id !== 'meshext.dev/v1alpha1/Extension' || !isObj(spec)) return [];
  // The native fields mirror WasmPlugin's, and so does each override (it replaces those fields).
  const overrides = Array.isArray(spec.overrides) ? spec.overrides : [];
  return [checkIstioRules('WasmPlugin', spec), ...overrides.map((o, i) => checkIstioRules('WasmPlugin', o, ['spec', 'overrides', i]))].flat();
}

/** Maistra names its plugin `<name>_root` (docs/decisions.md, decision 10), and Istio's pluginName holds 256 characters. */
const MAISTRA_NAME_MAX = 256 - '_root'.length;

function maistraRules(doc: unknown, spec: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const meta = isObj(doc) ? doc.metadata : undefined;
  if (isObj(meta) && typeof meta.name === 'string' && meta.name.length > MAISTRA_NAME_MAX) {
    out.push({ path: ['metadata', 'name'], message: `must be at most ${MAISTRA_NAME_MAX} characters long: Maistra names the plugin "<name>_root", and Istio allows 256` });
  }
  if (isObj(spec) && isObj(spec.workloadSelector)) out.push(...noLabelWildcards(spec.workloadSelector.labels, ['spec', 'workloadSelector', 'labels']));
  return out;
}

function glooRules(spec: unknown): SchemaIssue[] {
  if (!isObj(spec) || !Array.isArray(spec.workloadSelector)) return [];
  return spec.workloadSelector.flatMap((sel, i) => {
    if (!isObj(sel)) return [];
    const at = ['spec', 'workloadSelector', i];
    const matcher = isObj(sel.kubeWorkloadMatcher) ? sel.kubeWorkloadMatcher.labels : undefined;
    return [...noLabelWildcards(sel.labels, [...at, 'labels']), ...noLabelWildcards(matcher, [...at, 'kubeWorkloadMatcher', 'labels'])];
  });
}

function glooPolicyRules(spec: unknown): SchemaIssue[] {
  if (!isObj(spec) || !Array.isArray(spec.applyToWorkloads)) return [];
  return spec.applyToWorkloads.flatMap((w, i) => (isObj(w) && isObj(w.selector) ? noLabelWildcards(w.selector.labels, ['spec', 'applyToWorkloads', i, 'selector', 'labels']) : []));
}

interface Ranked extends SchemaIssue {
  /** Which issue wins when several land on one path: the most basic one. */
  readonly rank: number;
}

const RANK: Readonly<Record<string, number>> = { type: 0, const: 1, enum: 1, anyOf: 2, oneOf: 2, not: 2, pattern: 3 };
const OTHER_RANK = 4;
const RULE_RANK = 5;
const COMPOSITE = new Set(['anyOf', 'oneOf', 'not']);

function explain(errors: readonly AjvError[], doc: unknown, validator: KindValidator): Ranked[] {
  const { messages } = validator;
  let pending = [...errors];
  const out: Ranked[] = [];
  // Outermost composite first: when its branches are dropped, composites nested in them go too.
  const composites = errors
    .filter((e) => COMPOSITE.has(e.keyword))
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length || cmp(a.instancePath, b.instancePath));
  for (const c of composites) {
    if (!pending.includes(c)) continue;
    const inBranch = (e: AjvError) =>
      e.schemaPath.startsWith(`${c.schemaPath}/`) && (e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`));
    const branchErrors = pending.filter(inBranch);
    pending = pending.filter((e) => e !== c && !inBranch(e));
    const path = toPath(c.instancePath, doc);
    const own = messages[c.schemaPath];
    if (own !== undefined) {
      out.push({ path, message: own, rank: RANK[c.keyword]! });
      continue;
    }
    const branches = groupByBranch(branchErrors, c.schemaPath);
    const [firstBranch] = branches;
    if (firstBranch && branches.every((b) => b.every((e) => e.keyword === 'required'))) {
      // "one of these fields is required": name the first alternative, the one we document.
      pending.push(firstBranch[0]!);
    } else if (firstBranch) {
      // No wording of our own: keep the branch that came closest (fewest errors, then first).
      pending.push(...branches.reduce((best, b) => (b.length < best.length ? b : best)));
    } else {
      out.push({ path, message: c.keyword === 'not' ? 'is not allowed here' : 'must match exactly one of the allowed forms', rank: RANK[c.keyword]! });
    }
  }
  for (const e of pending) out.push(describe(e, doc, validator));
  return out;
}

function groupByBranch(errors: readonly AjvError[], compositePath: string): AjvError[][] {
  const byIndex = new Map<number, AjvError[]>();
  for (const e of errors) {
    const index = Number(e.schemaPath.slice(compositePath.length + 1).split('/')[0]);
    byIndex.set(index, [...(byIndex.get(index) ?? []), e]);
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
}

function describe(e: AjvError, doc: unknown, validator: KindValidator): Ranked {
  const path = toPath(e.instancePath, doc);
  const rank = RANK[e.keyword] ?? OTHER_RANK;
  if (e.keyword === 'required') return { path: [...path, e.params.missingProperty], message: `missing required field "${e.params.missingProperty}"`, rank };
  if (e.keyword === 'additionalProperties') {
    const field: string = e.params.additionalProperty;
    // The object schema that refused the field lists the ones it allows.
    const allowed = validator.fieldNames()[e.schemaPath.slice(0, -'/additionalProperties'.length)] ?? {};
    return { path: [...path, field], message: `unknown field "${field}"${suggestField(field, valueAt(doc, [...path, field]), allowed)}`, rank };
  }
  const value = valueAt(doc, path);
  const own = validator.messages[e.schemaPath];
  if (own !== undefined) return { path, message: `${own} (got ${show(value)})`, rank };
  return { path, message: wording(e, value), rank };
}

function wording(e: AjvError, value: unknown): string {
  const p = e.params;
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  switch (e.keyword) {
    case 'type':
      return `must be ${(Array.isArray(p.type) ? p.type : String(p.type).split(',')).map((t: string) => TYPE_NAMES[t] ?? t).join(' or ')}`;
    case 'enum':
      return `must be one of ${p.allowedValues.map(String).join(', ')} (got ${show(value)})`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)} (got ${show(value)})`;
    case 'pattern':
      return `must match ${p.pattern} (got ${show(value)})`;
    case 'minLength':
      return `must be at least ${n(p.limit, 'character')} long`;
    case 'maxLength':
      return `must be at most ${n(p.limit, 'character')} long`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p.comparison === '>=' ? 'at least' : p.comparison === '<=' ? 'at most' : p.comparison === '>' ? 'greater than' : 'less than'} ${p.limit}`;
    case 'minItems':
      return `must have at least ${n(p.limit, 'item')}`;
    case 'maxItems':
      return `must have at most ${n(p.limit, 'item')}`;
    case 'minProperties':
      return `must have at least ${n(p.limit, 'entry', 'entries')}`;
    case 'maxProperties':
      return `must have at most ${n(p.limit, 'entry', 'entries')}`;
    case 'uniqueItems':
      return `must not repeat an item (items ${p.j} and ${p.i} are equal)`;
    default:
      return `fails the schema's ${e.keyword} rule`;
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function show(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isObj(value)) return 'an object';
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}..."` : s;
}

/** ajv's instancePath (a JSON pointer) as a path whose array indices are numbers. */
function toPath(pointer: string, doc: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let node = doc;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(node) ? Number(key) : key;
    path.push(step);
    node = isObj(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}

function valueAt(doc: unknown, path: IssuePath): unknown {
  let node = doc;
  for (const step of path) node = isObj(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[step] : undefined;
  return node;
}

/** One issue per path (the lowest rank wins, then the first), in path order. */
function onePerPlace(issues: readonly Ranked[]): SchemaIssue[] {
  const best = new Map<string, Ranked>();
  for (const issue of issues) {
    const key = JSON.stringify(issue.path);
    const seen = best.get(key);
    if (!seen || issue.rank < seen.rank || (issue.rank === seen.rank && cmp(issue.message, seen.message) < 0)) best.set(key, issue);
  }
  return [...best.values()].sort((a, b) => comparePaths(a.path, b.path)).map(({ path, message }) => ({ path, message }));
}

function comparePaths(a: IssuePath, b: IssuePath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return cmp(String(x), String(y));
  }
  return a.length - b.length;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
