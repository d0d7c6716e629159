/**
 * 3GPP PSM timer encodings used by AT+CPSMS / +CEREG (TS 24.008 §10.5.7.4a GPRS Timer 3 for T3412-ext,
 * §10.5.7.4 GPRS Timer 2 for T3324): one byte as 8 binary characters, bits 8-6 unit, bits 5-1 value.
 */

export function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/** T3412 extended (GPRS Timer 3), 8 binary chars -> seconds (Infinity when deactivated). */
export function decodeT3412(bits: string): number {
  if (!/^[01]{8}$/.test(bits)) return NaN;
  const unit = parseInt(bits.slice(0, 3), 2);
  const value = parseInt(bits.slice(3), 2);
  const unitS = [600, 3600, 36_000, 2, 30, 60, 1_152_000, Infinity][unit];
  return unitS === Infinity ? Infinity : unitS * value;
}

/** T3324 (GPRS Timer 2), 8 binary chars -> seconds (Infinity when deactivated). */
export function decodeT3324(bits: string): number {
  if (!/^[01]{8}$/.test(bits)) return NaN;
  const unit = parseInt(bits.slice(0, 3), 2);
  const value = parseInt(bits.slice(3), 2);
  const unitS = [2, 60, 360][unit];
  return unitS === undefined ? Infinity : unitS * value;
}

/** Encode seconds as T3412-ext bits (smallest unit that fits), for CEREG n=4. */
export function encodeT3412(seconds: number): string {
  const units: [number, number][] = [
    [3, 2],
    [4, 30],
    [5, 60],
    [0, 600],
    [1, 3600],
    [2, 36_000],
    [6, 1_152_000],
  ];
  for (const [code, unitS] of units) {
    const v = Math.round(seconds / unitS);
    if (v <= 31 && v * unitS === seconds) return code.toString(2).padStart(3, '0') + v.toString(2).padStart(5, '0');
  }
  for (const [code, unitS] of units) {
    const v = Math.ceil(seconds / unitS);
    if (v <= 31) return code.toString(2).padStart(3, '0') + v.toString(2).padStart(5, '0');
  }
  return '11100000';
}

export function encodeT3324(seconds: number): string {
  const units: [number, number][] = [
    [0, 2],
    [1, 60],
    [2, 360],
  ];
  for (const [code, unitS] of units) {
    const v = Math.ceil(seconds / unitS);
    if (v <= 31) return code.toString(2).padStart(3, '0') + v.toString(2).padStart(5, '0');
  }
  return '11100000';
}

