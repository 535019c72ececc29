/**
 * A throwaway TLS certificate for one run: a self-signed P-256 certificate for localhost and
 * 127.0.0.1, valid for a day, made by the system's `openssl` (Node has no certificate builder).
 * Node clients trust it as their `ca`; Chromium trusts it by its public key's hash
 * (`--ignore-certificate-errors-spki-list`), which makes it valid for that browser only, so the
 * browser treats the origin as it would a real one (HTTP/2, connection pooling, secure context).
 */
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Certificate {
  key: string;
  cert: string;
  /** base64 SHA-256 of the certificate's SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list. */
  spki: string;
}

/** The Chromium flag that trusts this certificate and no other. */
export const chromiumTrustArgs = (certificate: Certificate): string[] => [
  `--ignore-certificate-errors-spki-list=${certificate.spki}`,
];

export async function createCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'transport-lab-cert-'));
  try {
    const [keyFile, certFile] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    await promisify(execFile)('openssl', [
      'req',
      ...['-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      ...['-keyout', keyFile, '-out', certFile],
    ]).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        error.code === 'ENOENT'
          ? 'TLS runs need the openssl command to make their throwaway certificate (apt-get install openssl)'
          : `openssl could not make a certificate: ${error.message}`,
      );
    });
    const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    const der = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
    return { key, cert, spki: createHash('sha256').update(der).digest('base64') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
