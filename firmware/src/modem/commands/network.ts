/** Network commands: radio, registration, operator, signal, coverage level, supply voltage (ref §1, §7-§9). */

import { AtParseError, fieldsOf, hex, int, okCommand, query, requireFields, type AtCommand } from '../at-command.ts';

/** CFUN can take up to 15 s (ref §12). */
export const cfun = /* @__PURE__ */ okCommand<0 | 1 | 4>('CFUN', (mode) => `AT+CFUN=${mode}`, 15000);
/** n = 2: registration URCs carry TAC and cell id. */
export const ceregEnable = /* @__PURE__ */ okCommand('CEREG=2', () => 'AT+CEREG=2');

/** +CEREG <stat> values (a const enum: the build inlines the numbers). */
export const enum RegStat {
  NotSearching,
  Home,
  Searching,
  Denied,
  Unknown,
  Roaming,
}

export interface Registration {
  stat: number;
  tac?: number;
  cellId?: number;
  act?: number;
}

export const isRegistered = (stat: number): boolean => stat === RegStat.Home || stat === RegStat.Roaming;

function regFrom(f: string[], at: number): Registration {
  const r: Registration = { stat: int(f[at]) };
  if (f.length > at + 2 && f[at + 1] !== '' && f[at + 2] !== '') {
    r.tac = hex(f[at + 1]);
    r.cellId = hex(f[at + 2]);
  }
  if (f.length > at + 3 && f[at + 3] !== '') r.act = int(f[at + 3]);
  return r;
}

/** Read form `+CEREG: <n>,<stat>[,"<tac>","<ci>"[,<AcT>]]` (ref §1: the read form carries <n>, the URC does not). */
export const ceregRead: AtCommand<void, Registration> = /* @__PURE__ */ query('CEREG?', 2, (f) => regFrom(f, 1));

/** URC form `+CEREG: <stat>[,"<tac>","<ci>"[,<AcT>]]`. */
export function parseCeregUrc(line: string): Registration {
  const f = requireFields([line], '+CEREG:', 1);
  return regFrom(f, 0);
}

export interface Operator {
  mode: number;
  name?: string;
  act?: number;
}

export const copsRead: AtCommand<void, Operator> = /* @__PURE__ */ query(
  'COPS?',
  1,
  (f) => {
    const op: Operator = { mode: int(f[0]) };
    if (f.length >= 3 && f[2] !== '') op.name = f[2];
    if (f.length >= 4 && f[3] !== '') op.act = int(f[3]);
    return op;
  },
  5000,
);

export interface NetworkInfo {
  act?: string;
  operator?: string;
  band?: number;
  earfcn?: number;
}

/** `+QNWINFO: "eMTC","310410","LTE BAND 13",5230` or `+QNWINFO: No Service`. */
export const qnwinfo: AtCommand<void, NetworkInfo> = /* @__PURE__ */ query('QNWINFO', 1, (f) => {
  if (f.length < 4) return {};
  const info: NetworkInfo = { act: f[0], operator: f[1] };
  const band = /(\d+)\s*$/.exec(f[2]);
  if (band) info.band = Number(band[1]);
  if (f[3] !== '') info.earfcn = int(f[3]);
  return info;
});

export interface SignalQuality {
  sysmode: string; // eMTC, NBIoT, NOSERVICE, ...
  rssiDbm?: number;
  rsrpDbm?: number;
  sinrDeciDb?: number;
  rsrqDeciDb?: number;
}

/** SINR raw 0..250 covers -20..+30 dB in 1/5 dB steps (ref §7): dB = raw/5 - 20, so 0.1 dB = raw*2 - 200. */
export const sinrRawToDeciDb = (raw: number): number => raw * 2 - 200;

/** `+QCSQ: "eMTC",<rssi>,<rsrp>,<sinr raw>,<rsrq>` or `+QCSQ: "NOSERVICE"`. */
export const qcsq: AtCommand<void, SignalQuality> = /* @__PURE__ */ query('QCSQ', 1, (f) => {
  const s: SignalQuality = { sysmode: f[0] };
  if (f.length >= 5) {
    s.rssiDbm = int(f[1]);
    s.rsrpDbm = int(f[2]);
    s.sinrDeciDb = sinrRawToDeciDb(int(f[3]));
    s.rsrqDeciDb = int(f[4]) * 10;
  }
  return s;
});

/**
 * CESQ RSRP index to dBm. We use the LOWER edge of the 1 dB bucket, `raw - 141`, so index 1 = -140 and
 * 97 = -44 as in 3GPP TS 27.007's table edges (ref §7 and §11.9: public code uses -140 or -141).
 * Index 0 (below -140) maps to -141; 255 (unknown) to undefined.
 */
export function cesqRsrpDbm(raw: number): number | undefined {
  return raw === 255 || raw < 0 || raw > 97 ? undefined : raw - 141;
}

/** CESQ RSRQ index (0.5 dB buckets) to 0.1 dB, lower edge: raw/2 - 20 dB. */
export function cesqRsrqDeciDb(raw: number): number | undefined {
  return raw === 255 || raw < 0 || raw > 34 ? undefined : raw * 5 - 200;
}

export const cesq: AtCommand<void, { rsrpDbm?: number; rsrqDeciDb?: number }> = /* @__PURE__ */ query('CESQ', 6, (f) => {
  const out: { rsrpDbm?: number; rsrqDeciDb?: number } = {};
  const rsrp = cesqRsrpDbm(int(f[5]));
  const rsrq = cesqRsrqDeciDb(int(f[4]));
  if (rsrp !== undefined) out.rsrpDbm = rsrp;
  if (rsrq !== undefined) out.rsrqDeciDb = rsrq;
  return out;
});

/** `+QCFG: "celevel",<0..3>` */
export const celevel: AtCommand<void, number> = {
  name: 'QCFG celevel',
  build: () => 'AT+QCFG="celevel"',
  timeoutMs: 2000,
  prefix: '+QCFG:',
  parse(lines) {
    const f = fieldsOf(lines, '+QCFG:');
    if (f === undefined || f[0] !== 'celevel' || f.length < 2) throw new AtParseError('missing celevel');
    return int(f[1]);
  },
};

/** `+CBC: <bcs>,<bcl %>,<mV>`; the voltage is the useful field (ref §8). */
export const cbc: AtCommand<void, { pct: number; mv: number }> = /* @__PURE__ */ query('CBC', 3, (f) => ({ pct: int(f[1]), mv: int(f[2]) }));
