// RenderResult.stream (what `meshext render` writes from, making resources as it reads them)
// against RenderResult.resources (what every other caller reads).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRepo } from '../scripts/bench/generate.mjs';
import { render } from '../src/render.ts';
import { toYamlStream, writeYamlStream } from '../src/emit/to-yaml.ts';

const work = mkdtempSync(join(tmpdir(), 'meshext-stream-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('the stream reads as the resources, as often as it is read, and prints as they do', async () => {
  const dir = join(work, 'mix');
  generateRepo(dir, { extensions: 20, namespaces: 7 }); // every flavor, EnvoyFilters and overrides included
  const result = await render({ paths: [dir], cwd: dir, offline: true, locked: false, allowEmpty: false, mode: 'render' });
  assert.is(result.exitCode, 0, JSON.stringify(result.diagnostics));
  const first = [...result.stream];
  assert.ok(first.length > 20);
  assert.equal(first, result.resources);
  assert.equal([...result.stream], result.resources);
  const chunks: string[] = [];
  writeYamlStream(result.stream, (c) => void chunks.push(c));
  assert.is(chunks.join(''), toYamlStream(result.resources));
});

test('a failed render streams nothing', async () => {
  const result = await render({ paths: [join(work, 'missing')], cwd: work, offline: true, locked: false, allowEmpty: false, mode: 'render' });
  assert.is(result.exitCode, 1);
  assert.equal([...result.stream], []);
  assert.equal(result.resources, []);
});

test.run();
