/**
 * Static identity a BG95 reports (IMEI, ICCID, IMSI, firmware revision). Derived from a seed string so that
 * every simulated cap gets stable, distinct, well-formed values (IMEI with a valid Luhn check digit).
 */

export interface ModemIdentity {
  imei: string;
  iccid: string;
  imsi: string;
  firmware: string; // AT+QGMR
  model: string; // ATI / AT+CGMM
}

function hashDigits(seed: string, count: number): string {
  let h = 2166136261;
  let out = '';
  for (let i = 0; out.length < count; i++) {
    h ^= seed.charCodeAt(i % Math.max(1, seed.length)) + i;
    h = Math.imul(h, 16777619) >>> 0;
    out += String(h % 10);
  }
  return out;
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function identityFor(seed: string): ModemIdentity {
  const imeiBody = '86' + hashDigits(seed + ':imei', 12);
  const iccidBody = '8901410' + hashDigits(seed + ':iccid', 11);
  return {
    imei: imeiBody + luhnDigit(imeiBody),
    iccid: iccidBody + luhnDigit(iccidBody),
    imsi: '310410' + hashDigits(seed + ':imsi', 9),
    firmware: 'BG95M3LAR02A03_01.012.01.012',
    model: 'BG95-M3',
  };
}
