// The repository explains itself to someone who has only the clone: no file cites a document that
// is not in it. Reasons are written where they apply, or point inside the repository
// (docs/decisions.md, decision N; ARCHITECTURE.md, "<section>"; README, "<section>"), and upstream
// facts name their upstream source (istio/istio#43229, argo-cd cmpserver/plugin/plugin.go).
// Refused: the design document's sections, the style guide's habits, our own bare issue numbers,
// the research notes (reference/<name>.md) and the shared folder they lived in. Files copied from
// upstream (test/fixtures/real-world, the Istio CRDs and validation cases) keep their own citations.
// The patterns below are written so this file does not match them itself.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const SCANNED = ['src', 'test', 'scripts', 'examples', 'docs', 'README.md', 'ARCHITECTURE.md'];
/** Copied from upstream unmodified: their citations are upstream's. */
const UPSTREAM = ['test/fixtures/real-world', 'test/fixtures/istio-crds-wasmplugin-envoyfilter.yaml', 'test/fixtures/istio-validation'];
/** Build output and dependencies, not sources. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '_generated', '.bench', '.scratch', '.git']);

/** Each kind of citation of a document outside the repository, and what to write instead. */
const CITATIONS: readonly { readonly what: string; readonly re: RegExp }[] = [
  { what: 'the design document (cite docs/decisions.md, decision N, or ARCHITECTURE.md)', re: /\bdesign(?:'s)?\s*\u00a7/i },
  { what: 'a style-guide habit (say the reason)', re: /\bSTYLE\s+habits?\b|\bhabits?\s+\d/i },
  { what: 'a bare issue number of ours (say the reason or cite ARCHITECTURE.md)', re: /\bissues?\s+\d/i },
  { what: 'the shared folder (cite the upstream source)', re: /\.\.\/shared\b|\bshared\/reference\b/ },
  { what: 'a research note (cite the upstream source it stood for)', re: /(?<![\w/.-])reference\/[\w-]+\.md\b/ },
];

/** Every `file:line: text` in `text` that cites a document outside the repository. */
export function citationsIn(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { what, re } of CITATIONS) {
      if (re.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 160)}`);
    }
  });
  return found;
}

function walk(rel: string): string[] {
  const abs = join(ROOT, rel);
  if (!existsSync(abs) || UPSTREAM.some((u) => rel === u || rel.startsWith(`${u}/`))) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs)
    .filter((n) => !SKIPPED_DIRS.has(n))
    .sort()
    .flatMap((n) => walk(`${rel}/${n}`));
}

const scanned = SCANNED.flatMap(walk);
const texts = scanned
  .map((file) => ({ file, bytes: readFileSync(join(ROOT, file)) }))
  .filter(({ bytes }) => !bytes.includes(0)) // binary: no citation to read
  .map(({ file, bytes }) => ({ file, text: bytes.toString('utf8') }));

test('the scan reaches the whole repository (it cannot pass by reading nothing)', () => {
  assert.ok(texts.length > 100, `only ${texts.length} text files scanned`);
  for (const f of ['src/render.ts', 'test/depcheck.test.ts', 'test/self-contained.test.ts', 'scripts/build.mjs', 'README.md']) {
    assert.ok(texts.some((t) => t.file === f), `${f} not scanned`);
  }
  for (const u of UPSTREAM) assert.not.ok(texts.some((t) => t.file.startsWith(u)), `${u} is upstream's and not ours to check`);
});

test('the detector finds each planted citation and names its file and line', () => {
  // Assembled from pieces (S, _ and D) so that this file itself cites nothing.
  const S = '\u00a7';
  const _ = ' ';
  const D = '/';
  const planted = [
    `// loads lazily (design ${S}6.16)`,
    `// DESIGN ${S}3: image resolution`,
    `// as the design's ${S}6.9 reads it`,
    `// one serializer (STYLE${_}habit${_}13)`,
    `// errors are data (habits${_}7, 17)`,
    `// speed (issue${_}5)`,
    `// property tests (Issues${_}4 and 6)`,
    `// see ..${D}shared${D}DESIGN.md`,
    `// facts in shared${D}reference${D}oci.md`,
    `// the exec plugin (reference${D}argocd-kustomize.md ${S}3.6)`,
  ];
  const found = citationsIn('planted.ts', ['// line one, clean', ...planted].join('\n'));
  assert.equal(found.length, planted.length, found.join('\n'));
  planted.forEach((_, i) => assert.ok(found.some((f) => f.startsWith(`planted.ts:${i + 2}: `)), `line ${i + 2} not found`));
});

test('upstream citations and our own pointers are not citations of missing documents', () => {
  const allowed = [
    '// istiod drops it (istio/istio#43229)',
    '// argoproj/argo-cd#14957: the cmp-server ends the plugin',
    '// RFC 7235 \u00a72.1: challenges are comma-separated',
    '// docs/decisions.md, decision 16: start-up is part of every render',
    '// ARCHITECTURE.md, "Start-up and speed"',
    '// README, "Images, the lock and the cache"',
    'description: See https://istio.io/docs/reference/config/proxy_extensions/wasm-plugin.html',
    '// kustomize api/internal/plugins/execplugin/execplugin.go',
  ];
  assert.equal(citationsIn('allowed.ts', allowed.join('\n')), []);
});

test('no file cites a document that is not in the repository', () => {
  const found = texts.flatMap(({ file, text }) => citationsIn(file, text));
  assert.ok(found.length === 0, `${found.length} citation(s) of documents outside the repository:\n${found.join('\n')}`);
});

test.run();
