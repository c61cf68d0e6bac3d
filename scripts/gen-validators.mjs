// Compiles every schema in src/schema/schemas/ ahead of time (docs/decisions.md, decision 16: a render starts without
// compiling a schema and without loading ajv), one file per kind so a render loads only the kinds it meets:
// - `<schema file>.js`, one per schema: a script (not a module) whose value is `{ validate, messages,
//   fieldNames }`, ajv's standalone validator, the plain-words messages the schema carries for editors
//   (`errorMessage`, `patternErrorMessage`), keyed by the ajv schemaPath of the error they replace, and
//   the field names each closed object allows (to suggest one for an unknown field). src/schema/load-validator.ts
//   runs it on first use, with the V8 code cache scripts/build.mjs makes beside it when there is one.
// - `validators.js`, the index: `validatorFiles`, keyed `apiVersion + '/' + kind` (the schema's $id).
// Deterministic: files are read in sorted order and nothing depends on time or machine.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * schemaPath of each object schema that allows no other fields → the fields it allows, each 1 when it
 * takes only a list, else 0 (for "did you mean", which can then say that a list is wanted).
 */
function fieldNamesOf(schema) {
  const resolve = (s) => (typeof s?.$ref === 'string' && s.$ref.startsWith('#/definitions/') ? schema.definitions?.[s.$ref.slice(14)] : s);
  const out = {};
  walk(schema, (s, path) => {
    if (s.additionalProperties !== false || !s.properties || typeof s.properties !== 'object') return;
    out[path] = Object.fromEntries(Object.entries(s.properties).map(([name, field]) => [name, resolve(field)?.type === 'array' ? 1 : 0]));
  });
  return out;
}

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
if (new Set(schemas.map((s) => s.$id)).size !== schemas.length) throw new Error('duplicate $id');

const ajv = new Ajv({ allErrors: true, strict: true, messages: false, code: { source: true, esm: true } });
for (const s of schemas) ajv.addSchema(strip(s));

const HEADER = /^"use strict";export const v = (validate\d+);/;
/** One kind's script: its validator with everything it uses, and the schema's own wordings. */
function kindScript(schema, file) {
  const id = schema.$id;
  const raw = standaloneCode(ajv, { v: id });
  const header = HEADER.exec(raw);
  if (!header) throw new Error(`${id}: unexpected ajv standalone output: ${raw.slice(0, 80)}`);
  const code = inlineRuntime(`"use strict";${raw.slice(header[0].length)}`);
  // A $ref ajv does not inline compiles to a function of its own whose errors carry schemaPaths relative to
  // the definition, which the messages cannot key; so every $ref must be inlined (no refs inside definitions).
  const functions = code.match(/function validate\d+\(/g)?.length ?? 0;
  if (functions !== 1) throw new Error(`${id}: ${functions - 1} $ref(s) were not inlined: keep definitions free of $ref`);
  return [
    `// Generated by scripts/gen-validators.mjs from src/schema/schemas/${file}. Do not edit; run \`npm run gen\`.`,
    `// ${id}: a script whose value is { validate, messages, fieldNames } (src/schema/load-validator.ts runs it).`,
    '(function () {',
    code,
    `return { validate: ${header[1]}, messages: ${JSON.stringify(messagesOf(schema, id), null, 2)},`,
    // A function, so the names are built only when an unknown field needs them, not on every load.
    `fieldNames: function () { return ${JSON.stringify(fieldNamesOf(schema))}; } };`,
    '})();',
    '',
  ].join('\n');
}

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byId = schemas.map((s, i) => ({ s, json: files[i] })).sort((a, b) => cmp(a.s.$id, b.s.$id));
const outputs = byId.map(({ s, json }) => ({ id: s.$id, file: json.replace(/\.json$/, '.js'), text: kindScript(s, json) }));
if (outputs.some((o) => o.file === 'validators.js')) throw new Error('a schema file may not be named validators.json');

const index = [
  '// Generated by scripts/gen-validators.mjs from src/schema/schemas/*.json. Do not edit; run `npm run gen`.',
  "/** apiVersion/kind → the file beside this one holding that kind's validator script. */",
  `export const validatorFiles = {\n${outputs.map((o) => `  ${JSON.stringify(o.id)}: ${JSON.stringify(o.file)},`).join('\n')}\n};`,
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
/** The value of one kind's validator script. */
export interface KindValidator {
  readonly validate: Validator;
  /** ajv schemaPath → the schema's own wording for that error. */
  readonly messages: Readonly<Record<string, string>>;
  /** schemaPath of each object schema that allows no other fields → its fields, each 1 when it takes only a list. */
  readonly fieldNames: () => Readonly<Record<string, Readonly<Record<string, 0 | 1>>>>;
}
/** Keyed \`apiVersion + '/' + kind\`: the file, beside validators.js, holding that kind's validator script. */
export declare const validatorFiles: Readonly<Record<string, string>>;
`;

mkdirSync(outDir, { recursive: true });
// What an earlier run wrote goes first: a removed schema's script must not linger.
for (const f of readdirSync(outDir)) if (/\.(js|d\.ts)$/.test(f) && readFileSync(join(outDir, f), 'utf8').startsWith('// Generated by scripts/gen-validators.mjs')) rmSync(join(outDir, f));
for (const o of outputs) writeFileSync(join(outDir, o.file), o.text);
writeFileSync(join(outDir, 'validators.js'), index);
writeFileSync(join(outDir, 'validators.d.ts'), dts);
process.stdout.write(`gen-validators: ${outputs.length} schemas → ${outDir}\n`);
