/**
 * Device credentials placed in the modem's file system (QFUPL) at provisioning.
 * - DirectoryIssuer: production. The factory PKI leaves <dir>/ca.pem and <dir>/<serial>/client.pem|client.key.
 * - DevelopmentIssuer: simulated units and bench runs. Generates a fresh P-256 key pair per unit; the
 *   "certificate" is only the public key in PEM, which no real broker accepts. Never use it for shipping units.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DeviceCredentials {
  files: { name: string; content: Uint8Array }[];
}

export interface CredentialIssuer {
  readonly kind: string;
  issue(serial: string): Promise<DeviceCredentials>;
}

/** File names the firmware's TLS configuration refers to (AT+QSSLCFG cacert/clientcert/clientkey). */
export const CREDENTIAL_FILES = { ca: 'UFS:ca.pem', cert: 'UFS:client.pem', key: 'UFS:client.key' } as const;

export class DirectoryIssuer implements CredentialIssuer {
  readonly kind = 'directory';

  constructor(private readonly dir: string) {}

  async issue(serial: string): Promise<DeviceCredentials> {
    const paths = { ca: join(this.dir, 'ca.pem'), cert: join(this.dir, serial, 'client.pem'), key: join(this.dir, serial, 'client.key') };
    for (const path of Object.values(paths)) {
      if (!existsSync(path)) throw new Error(`credentials missing for ${serial}: ${path}`);
    }
    return {
      files: [
        { name: CREDENTIAL_FILES.ca, content: readFileSync(paths.ca) },
        { name: CREDENTIAL_FILES.cert, content: readFileSync(paths.cert) },
        { name: CREDENTIAL_FILES.key, content: readFileSync(paths.key) },
      ],
    };
  }
}

export class DevelopmentIssuer implements CredentialIssuer {
  readonly kind = 'development';

  async issue(_serial: string): Promise<DeviceCredentials> {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const encoder = new TextEncoder();
    return {
      files: [
        { name: CREDENTIAL_FILES.cert, content: encoder.encode(publicKey.export({ type: 'spki', format: 'pem' }).toString()) },
        { name: CREDENTIAL_FILES.key, content: encoder.encode(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) },
      ],
    };
  }
}
