/** RFC 8949 §8 diagnostic notation for decoded values, enough to compare with the Appendix A vectors. */
import { CborSimple, CborTag } from '../../src/cbor.ts';
import { toHex } from './shared-vectors.ts';

export function diagnostic(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (Object.is(value, -0)) return '-0.0';
    return String(value);
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `h'${toHex(value)}'`;
  if (value instanceof CborTag) return `${value.tag}(${diagnostic(value.value)})`;
  if (value instanceof CborSimple) return `simple(${value.value})`;
  if (Array.isArray(value)) return `[${value.map(diagnostic).join(', ')}]`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${diagnostic(k)}: ${diagnostic(v)}`).join(', ')}}`;
  throw new Error(`no diagnostic form for ${String(value)}`);
}

/** An indefinite byte string `(_ h'01', h'02')` decodes to its concatenation `h'0102'`. */
export function normaliseDiagnostic(diag: string): string {
  return diag.replace(/\(_ ((?:h'[0-9a-f]*'(?:, )?)*)\)/g, (_m, parts: string) => `h'${parts.replace(/h'|'|, /g, '')}'`);
}
