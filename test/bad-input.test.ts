// Bad-input corpus (README, "Safety"): each folder under test/bad-input is a small repository
// that must fail cleanly: the complete answer or nothing, and an error that names the place.
//   input/         the repository, with its own meshext.lock where images are needed
//   args           optional: extra CLI arguments, one per line, or a whole argv when the first line is
//                  not an option (default: render $INPUT --offline)
//   generate.json  optional: a file too big or too deep to commit, written at test time into a temp copy
//                  of input/: {"file": name, "parts": [[text, times], ...]}; with "stdin": true the bytes
//                  are piped to stdin instead
//   errors.txt     `exit: N`, then the exact stderr lines expected, each one whole line of stderr that cites
//                  `file:line:col:` (and the field, when the tool names one); $INPUT is the input path
//   placeless      optional: why this case's errors cannot cite a file (no file exists); its lines may
//                  then start with `error:`
//   known-bug      optional: a tool bug this case exposes, not fixed yet. First line: where and what;
//                  the other lines: what the tool does today instead (`exit: N` when its exit code differs;
//                  `exit: 0` when it renders), then the stderr lines it prints. The case passes while the
//                  tool does exactly that and fails once errors.txt holds, so the marker goes with the fix.
// Every case asserts: exit code, nothing on stdout, no stack trace, the closing "nothing was written" line,
// every expected line, and a bounded run time (no hang, no stack overflow on hostile input).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_cli.ts';

const CASES = join(import.meta.dirname, 'bad-input');
/** Far above what any case needs (a few ms each; the 50 MB and 10,000-deep ones well under a second). */
const TIME_LIMIT_MS = 5000;
const PLACE = /^(\S+):(\d+):(\d+): (error|warning): /;
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

interface Generate {
  readonly file?: string;
  readonly stdin?: boolean;
  readonly parts: readonly (readonly [string, number])[];
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');

for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  const knownBugFile = join(dir, 'known-bug');
  const knownBug = existsSync(knownBugFile) ? lines(knownBugFile) : undefined;
  test(knownBug ? `${name} [known bug]` : name, async () => {
    let input = join(dir, 'input');
    let stdin: Buffer | undefined;
    let tmp: string | undefined;
    const generateFile = join(dir, 'generate.json');
    if (existsSync(generateFile)) {
      const g = JSON.parse(readFileSync(generateFile, 'utf8')) as Generate;
      const bytes = Buffer.from(g.parts.map(([text, times]) => text.repeat(times)).join(''));
      tmp = mkdtempSync(join(tmpdir(), `meshext-bad-${name}-`));
      if (existsSync(input)) cpSync(input, tmp, { recursive: true });
      input = tmp;
      if (g.stdin) stdin = bytes;
      else writeFileSync(join(tmp, g.file!), bytes);
    }
    try {
      const argsFile = join(dir, 'args');
      const extra = existsSync(argsFile) ? lines(argsFile) : [];
      const argv = extra.length > 0 && !extra[0]!.startsWith('-') ? extra.map((a) => a.replace('$INPUT', input)) : ['render', input, '--offline', ...extra];
      const started = performance.now();
      const r = await runCli(argv, { cwd: dir, stdin });
      const ms = performance.now() - started;

      const expected = lines(join(dir, 'errors.txt'));
      const exitOf = (ls: readonly string[], fallback: number) => Number(ls.find((l) => l.startsWith('exit: '))?.slice(6) ?? fallback);
      const expectedExit = exitOf(expected, 1);
      const wanted = expected.filter((l) => !l.startsWith('exit: ')).map((l) => l.replaceAll('$INPUT', input));
      const stderrLines = r.stderr.split('\n');
      const placeless = existsSync(join(dir, 'placeless'));
      for (const l of wanted) {
        if (l.startsWith('meshext: ')) continue; // the closing summary line
        if (placeless && l.startsWith('error: ')) continue;
        assert.match(l, PLACE, `errors.txt line does not cite file:line:col: ${l}`);
      }
      assert.ok(ms < TIME_LIMIT_MS, `took ${Math.round(ms)} ms`);
      assert.not.match(r.stderr, STACK, 'no stack trace');
      const missing = wanted.filter((l) => !stderrLines.includes(l));
      if (knownBug) {
        // Pinned: what the tool does today. It must differ from errors.txt; when it stops differing, the bug is fixed.
        const [what, ...todayLines] = knownBug;
        const todayExit = exitOf(todayLines, expectedExit);
        assert.ok(missing.length > 0 || r.code !== expectedExit || r.stdout !== '', `the known bug looks fixed (${what}); delete ${knownBugFile}`);
        assert.is(r.code, todayExit, `known bug (${what}): exit code changed; stderr:\n${r.stderr}`);
        if (todayExit !== 0) assert.is(r.stdout, '', 'nothing on stdout on failure');
        for (const l of todayLines.filter((t) => !t.startsWith('exit: ')).map((t) => t.replaceAll('$INPUT', input))) {
          assert.ok(stderrLines.includes(l), `known bug (${what}) now prints something else; expected today:\n  ${l}\nstderr was:\n${r.stderr}`);
        }
        return;
      }
      assert.is(r.code, expectedExit, `exit code; stderr:\n${r.stderr}`);
      assert.is(r.stdout, '', 'nothing on stdout on failure');
      assert.match(r.stderr, /\nmeshext: \d+ errors?; nothing was written\n$|^meshext: \d+ errors?; nothing was written\n$/, 'stderr ends by saying nothing was written');
      assert.equal(missing, [], `stderr lacks these lines; stderr was:\n${r.stderr}`);
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test.run();
