/** Network time from the modem (ref §6). */

import { AtParseError, read, type AtCommand } from '../at-command.ts';

export interface ModemTime {
  unixS: number; // UTC
  tzQuarterHours: number;
}

/**
 * Parse `yy/MM/dd,hh:mm:ss±zz[,dst]` or `yyyy/MM/dd,...`. The year width is taken from the position of the
 * first '/', never assumed: the manual documents 2 digits for QLTS, BG95-M3 hardware sends 4 for QNTP
 * (ref §6, §11.4). `isLocal` = the time part is local time (3GPP CCLK): subtract the zone to get UTC.
 * Returns undefined for an empty value (`+QLTS: ""` before NITZ arrives).
 */
export function parseModemTime(text: string, isLocal: boolean): ModemTime | undefined {
  if (text === '') return undefined;
  const slash = text.indexOf('/');
  if (slash !== 2 && slash !== 4) throw new AtParseError(`date "${text}"`);
  const m = /^(\d+)\/(\d\d)\/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d{1,2})?/.exec(text);
  if (m === null || m[1].length !== slash) throw new AtParseError(`date "${text}"`);
  // Two-digit years 70..99 are 19xx: the modem's unsynchronised default reads "80/01/06" (GPS epoch) and
  // must come out as the past (rejected by plausibleTime), not as 2080.
  const yy = Number(m[1]);
  const year = slash === 4 ? yy : yy >= 70 ? 1900 + yy : 2000 + yy;
  const mon = Number(m[2]);
  const day = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6]);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) throw new AtParseError(`date "${text}"`);
  const tz = m[7] !== undefined ? Number(m[7]) : 0;
  let unixS = Date.UTC(year, mon - 1, day, h, mi, s) / 1000;
  if (isLocal) unixS -= tz * 15 * 60;
  return { unixS, tzQuarterHours: tz };
}

/** A time query: `AT+<name>` (or `build`) answered by `+<NAME>: "<time>"` (the time part taken as UTC, see cclkRead). */
function timeQuery(name: string, timeoutMs: number, build?: () => string): AtCommand<void, ModemTime | undefined> {
  const c: AtCommand<void, ModemTime | undefined> = read(
    name,
    (lines) => {
      // The value is one quoted string containing commas: take it whole rather than splitting fields.
      const l = lines.filter((x) => x.startsWith(c.prefix as string))[0];
      if (l === undefined) throw new AtParseError(`missing ${c.prefix} line`);
      return parseModemTime(l.slice(6).trim().replace(/^"|"$/g, ''), false);
    },
    timeoutMs,
  );
  if (build) c.build = build;
  return c;
}

/** `AT+QLTS=1`: UTC from NITZ; `+QLTS: ""` until NITZ arrives. */
export const qltsUtc = /* @__PURE__ */ timeQuery('QLTS', 3000, () => 'AT+QLTS=1');

/**
 * `AT+CCLK?` -> `+CCLK: "yy/MM/dd,hh:mm:ss±zz"`. 3GPP TS 27.007 defines the time part as local time, but
 * Quectel BG95/BG96 keep the RTC in UTC and print the zone only as a suffix (observed output, e.g.
 * `+CCLK: "20/05/12,08:35:31+08"` at 16:35 local; ref §6 marks this [verify]). We follow the modules, not
 * the standard: the time part is taken as UTC. QLTS=1 (explicit UTC) is asked first anyway.
 */
export const cclkRead = /* @__PURE__ */ timeQuery('CCLK?', 2000);

/** Reject clocks before the firmware build date: an unsynchronised modem clock reads as an old default. */
export function plausibleTime(t: ModemTime | undefined, buildUnixS: number): t is ModemTime {
  return t !== undefined && t.unixS >= buildUnixS;
}
