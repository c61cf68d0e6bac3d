// Compiles every schema in src/schema/schemas/ ahead of time into src/schema/_generated/validators.js
// (design §6.16: a render starts without compiling a schema and without loading ajv).
// Output: one named export per schema, `validators` keyed `apiVersion + '/' + kind` (the schema's $id),
// and `schemaMessages`, the plain-words messages the schemas carry for editors (`errorMessage`,
// `patternErrorMessage`), keyed by the ajv schemaPath of the error they replace.
// Deterministic: files are read in sorted order and nothing depends on time or machine.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'src/schema/schemas');
// An output directory argument lets a test check determinism without touching the tree.
const outDir = process.argv[2] ?? join(root, 'src/schema/_generated');

// Keywords whose value is a schema, a list of schemas, or a map of schemas (draft-07).
const ONE = ['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', 'definitions', 'dependencies'];
const COMPOSITE = ['anyOf', 'oneOf', 'not'];
// Annotations only editors read; dropped before compiling so the generated code does not embed them.
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'errorMessage', 'patternErrorMessage', 'examples']);
// Keywords an `errorMessage` rewords when its schema has no anyOf/oneOf/not (as VS Code uses it).
const VALUE_KEYWORDS = ['type', 'enum', 'const', 'pattern'];

const seg = (s) => encodeURIComponent(String(s).replace(/~/g, '~0').replace(/\//g, '~1'));

/** Calls visit(schema, schemaPath, insideComposite) on every subschema. */
function walk(schema, visit, path = '#', inComposite = false) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  visit(schema, path, inComposite);
  for (const k of ONE) if (k in schema) walk(schema[k], visit, `${path}/${k}`, inComposite || COMPOSITE.includes(k));
  for (const k of LIST)
    if (Array.isArray(schema[k])) schema[k].forEach((s, i) => walk(s, visit, `${path}/${k}/${i}`, inComposite || COMPOSITE.includes(k)));
  for (const k of MAP)
    if (schema[k] && typeof schema[k] === 'object')
      for (const [name, s] of Object.entries(schema[k])) walk(s, visit, `${path}/${k}/${seg(name)}`, inComposite);
}

function strip(schema) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    if (ONE.includes(k)) out[k] = strip(v);
    else if (LIST.includes(k)) out[k] = v.map(strip);
    else if (MAP.includes(k)) out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, strip(s)]));
    else out[k] = v;
  }
  return out;
}

function messagesOf(schema, id) {
  const out = {};
  walk(schema, (s, path, inComposite) => {
    if (s.$ref !== undefined && inComposite)
      // validate-document groups a composite's branch errors by schemaPath prefix; a $ref would move them elsewhere.
      throw new Error(`${id}: ${path}: no $ref inside anyOf/oneOf/not`);
    for (const k of ['errorMessage', 'patternErrorMessage'])
      if (k in s && typeof s[k] !== 'string') throw new Error(`${id}: ${path}/${k} must be a string`);
    const composites = COMPOSITE.filter((k) => k in s);
    if (typeof s.errorMessage === 'string') {
      const keys = composites.length > 0 ? composites : VALUE_KEYWORDS.filter((k) => k in s);
      if (keys.length === 0) throw new Error(`${id}: ${path}: errorMessage has nothing to reword`);
      for (const k of keys) out[`${path}/${k}`] = s.errorMessage;
    }
    if (typeof s.patternErrorMessage === 'string') out[`${path}/pattern`] = s.patternErrorMessage;
  });
  return out;
}

/** `meshext.dev/v1alpha1/Extension` → `validateMeshextDevV1alpha1Extension`. */
const exportName = (id) => 'validate' + id.split(/[^A-Za-z0-9]+/).map((w) => w[0].toUpperCase() + w.slice(1)).join('');

// ajv's runtime helpers arrive as CommonJS require() calls, which an ES module cannot run;
// ucs2length is the only one our schemas need (min/maxLength count code points, as Kubernetes does).
const UCS2LENGTH = `function ucs2length(str) {
  const len = str.length;
  let length = 0;
  let pos = 0;
  let value;
  while (pos < len) {
    length++;
    value = str.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len) {
      value = str.charCodeAt(pos);
      if ((value & 0xfc00) === 0xdc00) pos++;
    }
  }
  return length;
}`;

function inlineRuntime(code) {
  let out = code.replace(/const (\w+) = require\("ajv\/dist\/runtime\/ucs2length"\)\.default;/g, 'const $1 = ucs2length;');
  if (/\brequire\(/.test(out)) throw new Error(`generated code needs an unsupported ajv runtime helper: ${/require\([^)]*\)/.exec(out)[0]}`);
  if (out !== code) out = out.replace('"use strict";', `"use strict";\n${UCS2LENGTH}\n`);
  return out;
}

const files = readdirSync(schemaDir).filter((f) => f.endsWith('.json')).sort();
const schemas = files.map((f) => {
  const s = JSON.parse(readFileSync(join(schemaDir, f), 'utf8'));
  const expected = `${s.properties?.apiVersion?.const}/${s.properties?.kind?.const}`;
  if (s.$id !== expected) throw new Error(`${f}: $id ${s.$id} must be apiVersion/kind (${expected})`);
  return s;
});
const ids = schemas.map((s) => s.$id).sort();
if (new Set(ids).size !== ids.length) throw new Error('duplicate $id');

const ajv = new Ajv({ allErrors: true, strict: true, messages: false, code: { source: true, esm: true } });
const messages = {};
for (const s of schemas) {
  const m = messagesOf(s, s.$id);
  if (Object.keys(m).length > 0) messages[s.$id] = m;
  ajv.addSchema(strip(s));
}
const code = inlineRuntime(standaloneCode(ajv, Object.fromEntries(ids.map((id) => [exportName(id), id]))));
// A $ref ajv does not inline compiles to a function of its own whose errors carry schemaPaths relative to
// the definition, which schemaMessages cannot key; so every $ref must be inlined (no refs inside definitions).
const functions = code.match(/function validate\d+\(/g)?.length ?? 0;
if (functions !== ids.length) throw new Error(`${functions - ids.length} $ref(s) were not inlined: keep definitions free of $ref`);

const sortedMessages = Object.fromEntries(ids.filter((id) => messages[id]).map((id) => [id, messages[id]]));
const js = [
  '// Generated by scripts/gen-validators.mjs from src/schema/schemas/*.json. Do not edit; run `npm run gen`.',
  code,
  `export const validators = {\n${ids.map((id) => `  ${JSON.stringify(id)}: ${exportName(id)},`).join('\n')}\n};`,
  `export const schemaMessages = ${JSON.stringify(sortedMessages, null, 2)};`,
  '',
].join('\n');

const dts = `// Generated by scripts/gen-validators.mjs. Do not edit; run \`npm run gen\`.
export interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, any>>;
  readonly message?: string;
}
export interface Validator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
${ids.map((id) => `/** ${id} */\nexport declare const ${exportName(id)}: Validator;`).join('\n')}
/** Keyed \`apiVersion + '/' + kind\`. */
export declare const validators: Readonly<Record<string, Validator>>;
/** $id → ajv schemaPath → the schema's own wording for that error. */
export declare const schemaMessages: Readonly<Record<string, Readonly<Record<string, string>>>>;
`;

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'validators.js'), js);
writeFileSync(join(outDir, 'validators.d.ts'), dts);
process.stdout.write(`gen-validators: ${ids.length} schemas → ${join(outDir, 'validators.js')}\n`);
