// Certificates for the TLS tests, made by `openssl` as an operator would make them: a private CA,
// server certificates it signs (for 127.0.0.1, for another host name, expired), a client
// certificate, and a self-signed certificate no CA vouches for. EC P-256 keys, so a run makes them
// in milliseconds.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './_registry.ts';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: KeyPair;
  /** Signed by the CA for 127.0.0.1, ::1 and localhost. */
  readonly server: KeyPair;
  /** Signed by the CA, for wrong.example only. */
  readonly wrongHost: KeyPair;
  /** Signed by the CA for 127.0.0.1, but expired. */
  readonly expired: KeyPair;
  /** Self-signed for 127.0.0.1: no CA vouches for it. */
  readonly selfSigned: KeyPair;
  /** A client certificate signed by the CA. */
  readonly client: KeyPair;
}

const LOOPBACK_SAN = 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makePki(): TestPki {
  const dir = tempDir();
  const p = (name: string): KeyPair => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const ca = p('ca');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-days', '2', '-subj', '/CN=meshext test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const issue = (name: string, ext: string, days: string): KeyPair => {
    const kp = p(name);
    const csr = join(dir, `${name}.csr`);
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, `${ext}\nbasicConstraints=CA:FALSE\n`);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', kp.key, '-out', csr, '-subj', `/CN=${name}`], dir);
    // -days -1 makes a certificate whose validity ended before it began: expired from the start.
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', days, '-extfile', extFile, '-out', kp.cert], dir);
    return kp;
  };
  const server = issue('server', `${LOOPBACK_SAN}\nextendedKeyUsage=serverAuth`, '2');
  const wrongHost = issue('wrong-host', 'subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth', '2');
  const expired = issue('expired', `${LOOPBACK_SAN}\nextendedKeyUsage=serverAuth`, '-1');
  const client = issue('client', 'extendedKeyUsage=clientAuth', '2');
  const selfSigned = p('self-signed');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', selfSigned.key, '-out', selfSigned.cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', LOOPBACK_SAN], dir);
  return { dir, ca, server, wrongHost, expired, selfSigned, client };
}

/** A certs.d root with `<host>/` holding the given files (name → source path), as Docker reads it. */
export function certsD(host: string, files: Readonly<Record<string, string>>): string {
  const root = tempDir();
  mkdirSync(join(root, host));
  for (const [name, from] of Object.entries(files)) writeFileSync(join(root, host, name), readFileSync(from));
  return root;
}
