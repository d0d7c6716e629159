/**
 * 3GPP GPRS Timer 3 (T3412 extended, "TAU") and GPRS Timer 2 (T3324, "active time") as the 8-character
 * bit strings of AT+CPSMS (TS 24.008 §10.5.7.4a / §10.5.7.4; ref §4). Bits 8-6 unit, bits 5-1 value.
 */

const TAU_UNITS: [bits: number, seconds: number][] = [
  [0b011, 2],
  [0b100, 30],
  [0b101, 60],
  [0b000, 600],
  [0b001, 3600],
  [0b010, 36000],
  [0b110, 1152000],
];
const ACTIVE_UNITS: [bits: number, seconds: number][] = [
  [0b000, 2],
  [0b001, 60],
  [0b010, 360],
];
const DEACTIVATED = '11100000';

function toBits(byte: number): string {
  return (256 | byte).toString(2).slice(1);
}

function encode(seconds: number | undefined, units: [number, number][]): string {
  if (seconds === undefined || seconds <= 0) return DEACTIVATED;
  // Exact representation with the finest unit first, else the finest unit that does not shorten the timer.
  for (let i = 0; i < units.length; i++) {
    const [bits, mult] = units[i];
    if (seconds % mult === 0 && seconds / mult <= 31) return toBits((bits << 5) | (seconds / mult));
  }
  for (let i = 0; i < units.length; i++) {
    const [bits, mult] = units[i];
    const v = Math.ceil(seconds / mult);
    if (v <= 31) return toBits((bits << 5) | v);
  }
  throw new RangeError(`PSM timer ${seconds} s out of range`);
}

function decode(text: string, units: [number, number][]): number | undefined {
  if (!/^[01]{8}$/.test(text)) throw new RangeError(`PSM timer "${text}" is not 8 binary digits`);
  const byte = parseInt(text, 2);
  const bits = byte >> 5;
  const value = byte & 31;
  if (bits === 0b111) return undefined;
  for (let i = 0; i < units.length; i++) if (units[i][0] === bits) return value * units[i][1];
  // Unit codes not defined for T3324 are read as 1 minute (TS 24.008 §10.5.7.4).
  return value * 60;
}

export interface PsmTimers {
  tauS: number | undefined; // undefined = deactivated
  activeS: number | undefined;
}

/** Encode requested timers: TAU (T3412 ext) first, active time (T3324) second (ref §4, §11.5). */
export function encodePsmTimers(t: PsmTimers): { tau: string; active: string } {
  return { tau: encode(t.tauS, TAU_UNITS), active: encode(t.activeS, ACTIVE_UNITS) };
}

export function decodePsmTimers(tau: string, active: string): PsmTimers {
  return { tauS: decode(tau, TAU_UNITS), activeS: decode(active, ACTIVE_UNITS) };
}
