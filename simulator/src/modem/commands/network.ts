/**
 * Radio and network commands: CFUN, CEREG, CGATT, CGACT, CGDCONT, COPS, QNWINFO, QCSQ, CESQ, CSQ, QENG,
 * QCFG (celevel, nwscanseq, iotopmode, nwscanmode, band, psm/enter, ...), CPSMS, QPSMS, CEDRXS, CEDRXRDP.
 */
import type { Bg95Emulator, CommandHandler } from '../bg95-emulator.ts';
import { hex, encodeT3324, encodeT3412 } from '../psm-timers.ts';
import { intArg, strArg } from '../at-command.ts';
import { signalFor } from '../network-conditions.ts';

const ok = { final: 'OK' } as const;

const cfun: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [`+CFUN: ${m.cfun}`], final: 'OK' };
  if (cmd.form === 'test') return { lines: ['+CFUN: (0,1,4),(0-1)'], final: 'OK' };
  const fun = intArg(cmd, 0);
  if (fun !== 0 && fun !== 1 && fun !== 4) return { final: { cme: 50 } };
  const previous = m.cfun;
  m.cfun = fun;
  if (fun !== 1 && previous === 1) m.stopRadio();
  // Switching the RF front end takes a second or two (manual allows 15 s).
  return {
    final: 'OK',
    delayMs: fun === previous ? 50 : 1_500,
    then: () => {
      if (fun === 1 && previous !== 1) m.startSearch();
      m.updateEnergy();
    },
  };
};

function ceregRead(m: Bg95Emulator): string {
  const n = m.ceregN;
  const base = `+CEREG: ${n},${m.regStat}`;
  if (n < 2 || !m.registered()) return base;
  const loc = `${base},"${hex(m.conditions.tac, 4)}","${hex(m.conditions.cellId, 1)}",8`;
  if (n < 4) return loc;
  const psm = m.grantedPsm();
  if (!psm) return loc;
  return `${loc},,,"${encodeT3324(psm.activeS)}","${encodeT3412(psm.tauS)}"`;
}

const cereg: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [ceregRead(m)], final: 'OK' };
  if (cmd.form === 'test') return { lines: ['+CEREG: (0-2,4)'], final: 'OK' };
  const n = intArg(cmd, 0) ?? 0;
  if (![0, 1, 2, 4].includes(n)) return { final: { cme: 50 } };
  m.ceregN = n;
  return ok;
};

const cgatt: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [`+CGATT: ${m.registered() ? 1 : 0}`], final: 'OK' };
  const state = intArg(cmd, 0);
  if (state === 0) {
    m.stopRadio();
    m.setRegStat(0);
    return { final: 'OK', delayMs: 1_000 };
  }
  if (state === 1) {
    if (m.registered()) return ok;
    if (m.cfun !== 1) return { final: { cme: 3 } };
    m.startSearch();
    return { final: 'OK', delayMs: 500 };
  }
  return { final: { cme: 50 } };
};

const cgact: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [...m.pdp].map(([cid, ctx]) => `+CGACT: ${cid},${ctx.active && m.registered() ? 1 : 0}`), final: 'OK' };
  return { final: { cme: 4 } }; // use QIACT/QIDEACT as the product does
};

const cgdcont: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [...m.pdp].map(([cid, ctx]) => `+CGDCONT: ${cid},"IP","${ctx.apn}","0.0.0.0",0,0`), final: 'OK' };
  const cid = intArg(cmd, 0);
  if (cid === undefined || cid < 1 || cid > 16) return { final: { cme: 50 } };
  const ctx = m.pdp.get(cid) ?? { apn: '', active: false, ip: '' };
  ctx.apn = strArg(cmd, 2) ?? '';
  m.pdp.set(cid, ctx);
  return ok;
};

const cops: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') {
    return { lines: [m.registered() ? `+COPS: 0,2,"${m.conditions.operator}",8` : '+COPS: 0'], final: 'OK', delayMs: 50 };
  }
  if (cmd.form === 'test') return { lines: [`+COPS: (1,"","","${m.conditions.operator}",8),,(0-4),(0-2)`], final: 'OK', delayMs: 30_000 };
  return ok;
};

const qnwinfo: CommandHandler = (m) => {
  if (!m.registered()) return { lines: ['+QNWINFO: No Service'], final: 'OK' };
  const c = m.conditions;
  return { lines: [`+QNWINFO: "eMTC","${c.operator}","LTE BAND ${c.band}",${c.earfcn}`], final: 'OK' };
};

const qcsq: CommandHandler = (m) => {
  if (!m.registered()) return { lines: ['+QCSQ: "NOSERVICE"'], final: 'OK' };
  const rsrp = Math.round(m.rsrpNow());
  const s = signalFor(rsrp);
  return { lines: [`+QCSQ: "eMTC",${s.rssiDbm},${rsrp},${s.sinrRaw},${s.rsrqDb}`], final: 'OK' };
};

/** CESQ RSRP index = dBm + 141 (index 1 = -140 dBm, 97 = -44), RSRQ index = (dB + 20) * 2. */
const cesq: CommandHandler = (m) => {
  if (!m.registered()) return { lines: ['+CESQ: 99,99,255,255,255,255'], final: 'OK' };
  const rsrp = Math.round(m.rsrpNow());
  const s = signalFor(rsrp);
  const rsrpIdx = Math.max(0, Math.min(97, rsrp + 141));
  const rsrqIdx = Math.max(0, Math.min(34, (s.rsrqDb + 20) * 2));
  return { lines: [`+CESQ: 99,99,255,255,${rsrqIdx},${rsrpIdx}`], final: 'OK' };
};

const csq: CommandHandler = (m) => {
  if (!m.registered()) return { lines: ['+CSQ: 99,99'], final: 'OK' };
  const idx = Math.max(0, Math.min(31, Math.round((signalFor(m.rsrpNow()).rssiDbm + 113) / 2)));
  return { lines: [`+CSQ: ${idx},99`], final: 'OK' };
};

const qeng: CommandHandler = (m, cmd) => {
  if (strArg(cmd, 0) !== 'servingcell') return { final: { cme: 50 } };
  if (!m.registered()) return { lines: ['+QENG: "servingcell","SEARCH"'], final: 'OK' };
  const c = m.conditions;
  const rsrp = Math.round(m.rsrpNow());
  const s = signalFor(rsrp);
  const state = m.energy.modemState() === 'connected' ? 'CONNECT' : 'NOCONN';
  return {
    lines: [
      `+QENG: "servingcell","${state}","eMTC","FDD",${c.operator.slice(0, 3)},${c.operator.slice(3)},${hex(c.cellId, 1)},${c.cellId % 504},${c.earfcn},${c.band},5,5,${hex(c.tac, 4)},${rsrp},${s.rsrqDb},${s.rssiDbm},${s.sinrRaw / 5 - 20},-`,
    ],
    final: 'OK',
  };
};

/** QCFG parameters the emulator stores and reads back; unknown ones are rejected like the module does. */
const QCFG_STORED = new Set(['nwscanseq', 'iotopmode', 'nwscanmode', 'band', 'psm/enter', 'servicedomain', 'roamservice', 'urc/ri/ring', 'risignaltype', 'apready', 'psm/urc', 'ledmode', 'lapiconfig', 'fast/poweroff', 'gpio', 'nb1/bandprior', 'msc', 'sgsn']);

const qcfg: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'set') return cmd.form === 'test' ? ok : { final: 'ERROR' };
  const param = (strArg(cmd, 0) ?? '').toLowerCase();
  if (param === 'celevel') {
    if (cmd.args.length > 1) return { final: { cme: 50 } };
    return { lines: [`+QCFG: "celevel",${m.registered() ? m.ceLevelNow() : 0}`], final: 'OK' };
  }
  if (!QCFG_STORED.has(param)) return { final: 'ERROR' };
  const values = cmd.args.slice(1).map((a) => a.text);
  if (values.length === 0) return { lines: [`+QCFG: "${param}",${m.qcfg.get(param) ?? '0'}`], final: 'OK' };
  // The trailing effect flag (",1" = take effect immediately) is not part of the stored value.
  const stored = ['nwscanseq', 'iotopmode', 'nwscanmode'].includes(param) && values.length > 1 ? values.slice(0, -1) : values;
  if (param === 'psm/enter' && !['0', '1'].includes(stored[0] ?? '')) return { final: { cme: 50 } };
  m.qcfg.set(param, stored.join(','));
  if (param === 'psm/enter') m.armPsmIfIdle();
  return ok;
};

const cpsms: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') {
    const r = m.psmRequest;
    return { lines: [`+CPSMS: ${r.mode},,,"${r.tau ?? '00000000'}","${r.active ?? '00000000'}"`], final: 'OK' };
  }
  if (cmd.form === 'test') return { lines: ['+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")'], final: 'OK' };
  const mode = intArg(cmd, 0) ?? 0;
  const tau = strArg(cmd, 3);
  const active = strArg(cmd, 4);
  if (![0, 1, 2].includes(mode)) return { final: { cme: 50 } };
  for (const t of [tau, active]) if (t !== undefined && t !== '' && !/^[01]{8}$/.test(t)) return { final: { cme: 50 } };
  m.psmRequest = mode === 2 ? { mode: 0 } : { mode, tau: tau || m.psmRequest.tau, active: active || m.psmRequest.active };
  return { final: 'OK', then: () => m.armPsmIfIdle() };
};

/** Granted timers in seconds (BG96-style answer; [verify] on BG95 as modem-bg95.md says). */
const qpsms: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'read') return { final: 'ERROR' };
  const psm = m.grantedPsm();
  if (!psm || !m.registered()) return { lines: [`+QPSMS: ${m.psmRequest.mode}`], final: 'OK' };
  return { lines: [`+QPSMS: 1,,,"${psm.tauS}","${psm.activeS}"`], final: 'OK' };
};

const cedrxs: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [m.edrx.mode ? `+CEDRXS: 4,"${m.edrx.value ?? '0000'}"` : '+CEDRXS: '], final: 'OK' };
  const mode = intArg(cmd, 0) ?? 0;
  if (![0, 1, 2, 3].includes(mode)) return { final: { cme: 50 } };
  m.edrx = mode === 0 || mode === 3 ? { mode: 0 } : { mode, act: intArg(cmd, 1), value: strArg(cmd, 2) };
  return ok;
};

const cedrxrdp: CommandHandler = (m) => {
  if (!m.edrx.mode || !m.registered()) return { lines: ['+CEDRXRDP: 0'], final: 'OK' };
  const v = m.edrx.value ?? '0101';
  return { lines: [`+CEDRXRDP: 4,"${v}","${v}","0011"`], final: 'OK' };
};

export const NETWORK: Record<string, CommandHandler> = {
  '+CFUN': cfun,
  '+CEREG': cereg,
  '+CGATT': cgatt,
  '+CGACT': cgact,
  '+CGDCONT': cgdcont,
  '+COPS': cops,
  '+QNWINFO': qnwinfo,
  '+QCSQ': qcsq,
  '+CESQ': cesq,
  '+CSQ': csq,
  '+QENG': qeng,
  '+QCFG': qcfg,
  '+CPSMS': cpsms,
  '+QPSMS': qpsms,
  '+CEDRXS': cedrxs,
  '+CEDRXRDP': cedrxrdp,
};
