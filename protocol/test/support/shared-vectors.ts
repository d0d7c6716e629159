/**
 * Loads the RFC 8949 CBOR vectors: from ../shared beside the repository when it is there (CI lays it out),
 * else from the copy in protocol/vectors/rfc8949, so `npm test` also works on a fresh clone anywhere.
 * vectors-copy.test.ts checks the copy is byte-identical to ../shared whenever both exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const sharedDir = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const sharedCborDir = `${sharedDir}vectors/cbor/`;
export const vendoredCborDir = fileURLToPath(new URL('../../vectors/rfc8949/', import.meta.url));
export const hasSharedVectors = existsSync(`${sharedCborDir}appendix_a.json`);
const cborDir = hasSharedVectors ? sharedCborDir : vendoredCborDir;

export interface AppendixEntry {
  hex: string;
  roundtrip: boolean;
  decoded?: unknown;
  diagnostic?: string;
}

/** JSON cannot hold integers beyond 2^53 exactly: keep long integer literals as bigint. */
export function loadAppendixA(): AppendixEntry[] {
  const text = readFileSync(`${cborDir}appendix_a.json`, 'utf8').replace(
    /("decoded":\s*)(-?\d{16,})(?=\s*[,}\n])/g,
    '$1"__bigint:$2"',
  );
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith('__bigint:') ? BigInt(value.slice('__bigint:'.length)) : value,
  ) as AppendixEntry[];
}

export function loadFailVectors(): { hex: string }[] {
  return JSON.parse(readFileSync(`${cborDir}fail.json`, 'utf8')) as { hex: string }[];
}

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
