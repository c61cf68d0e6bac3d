// A real HTTP proxy for the proxy tests: Debian's tinyproxy on a free loopback port, in the
// foreground, allowing CONNECT only to the ports a test names, optionally behind Basic auth. Its log
// (LogLevel Info: one "Request … CONNECT host:port" line per tunnel) shows what went through it.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir } from './_registry.ts';

export interface TestProxy {
  /** `http://127.0.0.1:PORT`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** The CONNECT targets (`host:port`) the proxy was asked for so far. */
  connects(): string[];
  stop(): Promise<void>;
}

export function hasTinyproxy(): boolean {
  return existsSync('/usr/bin/tinyproxy');
}

export async function startProxy(opts: { connectPorts: readonly number[]; basicAuth?: { user: string; password: string } }): Promise<TestProxy> {
  if (!hasTinyproxy()) throw new Error('tinyproxy is not installed: run `bash scripts/setup-test-env.sh` as root, or `sudo apt-get install tinyproxy`');
  const dir = tempDir();
  // tinyproxy started as root drops to nobody: its log must stay writable.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  writeFileSync(log, '');
  chmodSync(log, 0o666);
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${log}"`,
      'LogLevel Info',
      'MaxClients 20',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...opts.connectPorts.map((p) => `ConnectPort ${p}`),
      ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/bin/tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 200) throw new Error(`tinyproxy did not start: ${stderr.slice(0, 2000)}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects: () => [...readFileSync(log, 'utf8').matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map((m) => m[1]!),
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
