/** The image hash a unit must report through `ident` after flashing the given bundle. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function expectedImageHash(bundlePath: string): string {
  return createHash('sha256').update(readFileSync(bundlePath)).digest('hex').slice(0, 16);
}
