/** Loads the committed golden vectors (protocol/vectors). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface GoldenVector {
  name: string;
  direction: 'uplink' | 'downlink';
  hex: string;
  decoded: Record<string, unknown>;
  canonical: boolean;
  note: string;
}
export interface InvalidVector {
  name: string;
  direction: 'uplink' | 'downlink';
  hex: string;
  error: { code: string; path: string };
  note: string;
}

const dir = fileURLToPath(new URL('../../vectors/', import.meta.url));
const load = <T>(sub: string): T[] =>
  readdirSync(`${dir}${sub}`)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${dir}${sub}${f}`, 'utf8')) as T);

export const goldenVectors = (): GoldenVector[] => load<GoldenVector>('');
export const invalidVectors = (): InvalidVector[] => load<InvalidVector>('invalid/');
