// Golden cases, tests as data: each folder under test/cases is a small repository.
//   args        optional: extra CLI arguments, one per line (default: render --offline)
//   expected.yaml  exact stdout of a successful render
//   errors.txt  each line must appear in stderr (a failing render); `exit: N` sets the exit code; with
//               expected.yaml beside it, stdout must be that (a gate that reports, then fails: --fail-on-move)
// Every case asserts: exit code, exact stdout (empty on failure), no stack trace.
// UPDATE=1 rewrites expected.yaml; review the diff by reading it before committing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from './_cli.ts';
import { validateIstioResource } from './_istio-crd.ts';

const CASES = join(import.meta.dirname, 'cases');
const update = process.env.UPDATE === '1';

for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  const input = join(dir, 'input');
  const argsFile = join(dir, 'args');
  const extra = existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  const expectedFile = join(dir, 'expected.yaml');
  const errorsFile = join(dir, 'errors.txt');
  test(name, async () => {
    const argv = extra.length > 0 && !extra[0]!.startsWith('-') ? extra.map((a) => a.replace('$INPUT', input)) : ['render', input, '--offline', ...extra];
    const r = await runCli(argv, { cwd: dir });
    assert.not.match(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
    if (existsSync(errorsFile)) {
      const lines = readFileSync(errorsFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
      const exitLine = lines.find((l) => l.startsWith('exit: '));
      const expectedExit = exitLine ? Number(exitLine.slice(6)) : 1;
      assert.is(r.code, expectedExit, `exit code; stderr:\n${r.stderr}`);
      assert.is(r.stdout, existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8') : '', 'nothing on stdout on failure, or expected.yaml');
      for (const l of lines.filter((l) => !l.startsWith('exit: '))) assert.ok(r.stderr.includes(l), `stderr lacks:\n  ${l}\nstderr was:\n${r.stderr}`);
      return;
    }
    assert.is(r.code, 0, `render failed:\n${r.stderr}`);
    if (update) writeFileSync(expectedFile, r.stdout);
    assert.fixture(r.stdout, readFileSync(expectedFile, 'utf8'));
    // explain prints a report (text, markdown, mermaid), not resources: nothing for the CRD check.
    if (argv[0] !== 'explain' && !r.stdout.trimStart().startsWith('{')) {
      for (const doc of parseAllDocuments(r.stdout)) {
        const obj = (doc as { toJS(): unknown }).toJS() as Record<string, unknown>;
        const problems = validateIstioResource(obj);
        assert.equal(problems, [], `${String(obj.kind)} ${JSON.stringify(obj.metadata)} violates the Istio CRD`);
      }
    }
  });
}

test.run();
