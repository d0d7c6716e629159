import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedVectors, sharedCborDir, vendoredCborDir } from './support/shared-vectors.ts';

describe('the repository copy of the RFC 8949 vectors', () => {
  it('is byte-identical to ../shared/vectors/cbor when that is laid out beside the repository', (ctx) => {
    if (!hasSharedVectors) {
      ctx.skip('no ../shared beside this checkout: the tests use the copy in protocol/vectors/rfc8949');
      return;
    }
    for (const file of ['appendix_a.json', 'fail.json']) {
      expect(readFileSync(`${vendoredCborDir}${file}`).equals(readFileSync(`${sharedCborDir}${file}`)), file).toBe(true);
    }
  });
});
