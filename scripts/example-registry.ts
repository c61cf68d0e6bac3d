// A loopback OCI registry holding the images examples/live names, for trying live resolution:
//   node --import tsx scripts/example-registry.ts        (PORT=5055 by default; Ctrl-C stops it)
// Needs Debian's docker-registry (scripts/setup-test-env.sh installs it as root).
import { artifact, fsImage, push, wasm } from '../test/_images.ts';
import { startRegistry } from '../test/_registry.ts';

const port = Number(process.env.PORT ?? 5055);
const reg = await startRegistry({ port });
await push(reg, 'platform/header-append', '1.2', artifact(wasm('header-append'), { rootIds: ['add_header'] }));
const manifest = 'schemaVersion: 1\nname: header-append\nversion: 2.2.0\nphase: PostAuthZ\npriority: 100\nmodule: plugin.wasm\n';
await push(reg, 'maistra-dev/header-append-filter', '2.2', fsImage([[{ name: 'manifest.yaml', data: manifest }, { name: 'plugin.wasm', data: wasm('maistra-header-append') }]]));
process.stderr.write(`example registry ready at ${reg.host} (Ctrl-C to stop)\n`);
process.stdout.write(`${reg.host}\n`);
const stop = () => void reg.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
