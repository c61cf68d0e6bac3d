// Test helper: checks an emitted WasmPlugin, TrafficExtension or EnvoyFilter as the API server would.
// The CRD's openAPIV3Schema is made strict (the server would silently prune an unknown field, and a
// pruned field is a lost setting); each CEL rule runs through a JS twin; list-map keys must be unique;
// then meshext's own istio-rules run too. Compiling with ajv here is fine: this never ships.

import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { checkIstioRules, isIstioUrl } from '../src/schema/istio-rules.ts';

type Schema = Record<string, any>;
type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (keys: string[]) => (self: Obj) => keys.filter((k) => self[k] !== undefined).length <= 1;

// Every CEL rule in the CRD file, whitespace-collapsed, and what it means in JS. A rule missing here
// fails validation loudly, so a newer CRD cannot slip a rule past the tests.
const CEL: Record<string, (self: any) => boolean> = {
  '!self.contains("*")': (s: string) => !s.includes('*'),
  'self.all(key, !key.contains("*"))': (m: Obj) => Object.keys(m).every((k) => !k.includes('*')),
  'self.all(key, key.size() != 0)': (m: Obj) => Object.keys(m).every((k) => k.length > 0),
  'self.size() == 0': (s: string) => s.length === 0,
  'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) && url("http://" + self).getScheme() in ["", "http", "https", "oci", "file"])':
    isIstioUrl,
  'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "file", "oci"]) : (isURL("http://" + self) && url("http://" + self).getScheme() in ["", "http", "https", "file", "oci"])':
    isIstioUrl,
  '(has(self.valueFrom) ? self.valueFrom : "") != "HOST" || !has(self.value)': (e: Obj) => (e.valueFrom ?? '') !== 'HOST' || e.value === undefined,
  '(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1': count(['selector', 'targetRef', 'targetRefs']),
  '(has(self.selector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1': count(['selector', 'targetRefs']),
  '(has(self.workloadSelector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1': count(['workloadSelector', 'targetRefs']),
  'has(self.wasm) != has(self.lua)': (s: Obj) => (s.wasm !== undefined) !== (s.lua !== undefined),
  '0 < self && self <= 65535': (n: number) => 0 < n && n <= 65535,
  'has(self.context) ? ((self.context == "WAYPOINT") ? has(self.waypoint) : !has(self.waypoint)) : !has(self.waypoint)': (m: Obj) =>
    m.context === 'WAYPOINT' ? m.waypoint !== undefined : m.waypoint === undefined,
};

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
// What meshext emits as metadata, and nothing else.
const METADATA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'namespace'],
  properties: {
    name: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN },
    namespace: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    labels: stringMap,
    annotations: stringMap,
  },
};

interface Crd {
  readonly schema: Schema;
  readonly validate: ValidateFunction;
}

const crds = loadCrds();

function loadCrds(): Map<string, Crd> {
  const text = readFileSync(new URL('./fixtures/istio-crds-wasmplugin-envoyfilter.yaml', import.meta.url), 'utf8');
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  const out = new Map<string, Crd>();
  for (const doc of parseAllDocuments(text).map((d) => d.toJS())) {
    for (const version of doc.spec.versions) {
      const apiVersion = `${doc.spec.group}/${version.name}`;
      const schema = version.schema.openAPIV3Schema;
      const strict = strictSchema(schema);
      const root = {
        ...strict,
        required: ['apiVersion', 'kind', 'metadata', ...(strict.required ?? [])],
        properties: { apiVersion: { const: apiVersion }, kind: { const: doc.spec.names.kind }, metadata: METADATA, ...strict.properties },
      };
      out.set(`${apiVersion}/${doc.spec.names.kind}`, { schema, validate: ajv.compile(root) });
    }
  }
  return out;
}

/** The structural schema without Kubernetes extensions, closed wherever it lists properties. */
function strictSchema(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, strictSchema(ps as Schema)]));
    else if (['items', 'additionalProperties', 'not'].includes(k) && isObj(v)) out[k] = strictSchema(v);
    else if (['anyOf', 'oneOf', 'allOf'].includes(k)) out[k] = (v as Schema[]).map(strictSchema);
    else out[k] = v;
  }
  if (s.properties && !s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Every problem with `obj` as `field.path: message`, sorted; empty when the API server would accept it. */
export function validateIstioResource(obj: unknown): string[] {
  if (!isObj(obj)) return ['<root>: must be an object'];
  const crd = crds.get(`${obj.apiVersion}/${obj.kind}`);
  if (!crd) return [`<root>: no CRD for ${obj.apiVersion} ${obj.kind}`];
  const out = new Set<string>();
  if (!crd.validate(obj)) for (const e of crd.validate.errors ?? []) out.add(describe(e));
  celIssues(crd.schema, obj, '', out);
  if (obj.kind === 'WasmPlugin' || obj.kind === 'TrafficExtension')
    for (const issue of checkIstioRules(obj.kind, obj.spec)) out.add(`${dotted(issue.path)}: ${issue.message}`);
  return [...out].sort();
}

function describe(e: ErrorObject): string {
  const path = dotted(e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
  if (e.keyword === 'additionalProperties') return `${path ? `${path}.` : ''}${e.params.additionalProperty}: unknown field`;
  if (e.keyword === 'enum') return `${path}: ${e.message} (${e.params.allowedValues.join(', ')})`;
  return `${path || '<root>'}: ${e.message}`;
}

function celIssues(schema: Schema, value: unknown, path: string, out: Set<string>): void {
  if (value === undefined || value === null || !typeMatches(schema, value)) return;
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    const twin = CEL[rule.replace(/\s+/g, ' ').trim()];
    if (!twin) out.add(`${path}: no JS twin for CEL rule ${rule}`);
    else if (!twin(value)) out.add(`${path}: ${message}`);
  }
  if (Array.isArray(value)) {
    const keys: string[] | undefined = schema['x-kubernetes-list-type'] === 'map' ? schema['x-kubernetes-list-map-keys'] : undefined;
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (keys && isObj(item)) {
        const key = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(key)) out.add(`${path}[${i}]: Duplicate value: ${key}`);
        seen.add(key);
      }
      if (schema.items) celIssues(schema.items, item, `${path}[${i}]`, out);
    });
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (isObj(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (sub) celIssues(sub, v, path ? `${path}.${k}` : k, out);
    }
  }
}

function typeMatches(schema: Schema, value: unknown): boolean {
  switch (schema.type) {
    case 'object':
      return isObj(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
    case 'number':
      return typeof value === 'number';
    default:
      return true;
  }
}

function dotted(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
