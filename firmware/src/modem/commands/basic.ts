/** Basic commands: liveness, echo, error format, SIM, identity, generic QCFG set (ref §1, §9). */

import { AtParseError, fieldsOf, okCommand, read, type AtCommand } from '../at-command.ts';

export const at = /* @__PURE__ */ okCommand('AT', () => 'AT', 1000);
export const echoOff = /* @__PURE__ */ okCommand('ATE0', () => 'ATE0');
/** Numeric +CME ERROR codes, so failures map to the table in ref §0. */
export const cmeeNumeric = /* @__PURE__ */ okCommand('CMEE', () => 'AT+CMEE=1');

export type SimState = 'READY' | 'SIM PIN' | 'SIM PUK' | string;

export const cpinRead: AtCommand<void, SimState> = /* @__PURE__ */ read(
  'CPIN?',
  (lines) => {
    const f = fieldsOf(lines, '+CPIN:');
    if (f === undefined || f[0] === '') throw new AtParseError('missing +CPIN line');
    return f[0];
  },
  5000,
);

/** First bare line that looks like a value (not an echo, not empty). */
function bareValue(lines: string[], pattern: RegExp): string {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (pattern.test(l)) return l;
  }
  throw new AtParseError('missing value line');
}

/** `AT+<name>` answered by a bare line matching `pattern`. */
function bare(name: string, pattern: RegExp): AtCommand<void, string> {
  return { name, build: () => `AT+${name}`, timeoutMs: 2000, bareLines: true, parse: (lines) => bareValue(lines, pattern) };
}

/** Modem firmware revision, e.g. `BG95M3LAR02A03_01.012.01.012`. Read at every boot (ref: behaviour changes between revisions). */
export const qgmr = /* @__PURE__ */ bare('QGMR', /^[A-Za-z0-9][A-Za-z0-9_.\-]{2,63}$/);

/** IMEI: 15 digits on a bare line. */
export const gsn = /* @__PURE__ */ bare('GSN', /^\d{15}$/);

/** ICCID: `+QCCID: 8988...` (18 to 22 characters; some SIMs end in F). */
export const qccid: AtCommand<void, string> = /* @__PURE__ */ read('QCCID', (lines) => {
  const f = fieldsOf(lines, '+QCCID:');
  if (f === undefined || !/^\d{18,22}F?$/.test(f[0])) throw new AtParseError('missing ICCID');
  return f[0].replace(/F$/, '');
});

/** `AT+QCFG="<name>",<value...>` (values are written verbatim). */
export const qcfgSet = /* @__PURE__ */ okCommand<{ name: string; values: string }>('QCFG', (a) => `AT+QCFG="${a.name}",${a.values}`);
