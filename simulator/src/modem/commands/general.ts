/**
 * General commands: AT, ATE, ATI, CMEE, identity (GSN/CGSN, QCCID, CIMI, QGMR/CGMR, CGMI/CGMM), CPIN, CBC,
 * QSCLK, QPOWD, and the clock (CCLK, QLTS).
 */
import type { CommandHandler } from '../bg95-emulator.ts';
import { intArg } from '../at-command.ts';

const ok = { final: 'OK' } as const;

const at: CommandHandler = () => ok;

const echo: CommandHandler = (m, cmd) => {
  const v = intArg(cmd, 0) ?? 0;
  if (v !== 0 && v !== 1) return { final: 'ERROR' };
  m.echo = v === 1;
  return ok;
};

const info: CommandHandler = (m) => ({ lines: ['Quectel', m.identity.model, `Revision: ${m.identity.firmware.split('_')[0]}`], final: 'OK' });

/** Basic commands that exist but change nothing the emulator models (ATV1, ATQ0, AT&W, ATZ ...). */
const accepted: CommandHandler = () => ok;

const cmee: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [`+CMEE: ${m.cmee}`], final: 'OK' };
  if (cmd.form === 'test') return { lines: ['+CMEE: (0-2)'], final: 'OK' };
  const n = intArg(cmd, 0) ?? 0;
  if (n < 0 || n > 2) return { final: { cme: 50 } };
  m.cmee = n;
  return ok;
};

const gsn: CommandHandler = (m, cmd) => (cmd.form === 'test' ? ok : { lines: [m.identity.imei], final: 'OK' });
const qccid: CommandHandler = (m) => (m.options.sim === 'absent' ? { final: { cme: 10 } } : { lines: [`+QCCID: ${m.identity.iccid}`], final: 'OK' });
const cimi: CommandHandler = (m) => (m.options.sim === 'absent' ? { final: { cme: 10 } } : { lines: [m.identity.imsi], final: 'OK' });
const qgmr: CommandHandler = (m) => ({ lines: [m.identity.firmware], final: 'OK' });
const cgmr: CommandHandler = (m) => ({ lines: [m.identity.firmware.split('_')[0]], final: 'OK' });
const cgmi: CommandHandler = () => ({ lines: ['Quectel'], final: 'OK' });
const cgmm: CommandHandler = (m) => ({ lines: [m.identity.model], final: 'OK' });

const cpin: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'read') return { final: { cme: 3 } };
  if (m.options.sim === 'absent') return { final: { cme: 10 } };
  return { lines: ['+CPIN: READY'], final: 'OK' };
};

const cbc: CommandHandler = (m) => {
  const mv = Math.round(m.options.batteryMv?.() ?? 3_900);
  const pct = Math.max(0, Math.min(100, Math.round(((mv - 3_300) / (4_200 - 3_300)) * 100)));
  return { lines: [`+CBC: 0,${pct},${mv}`], final: 'OK' };
};

const qsclk: CommandHandler = (_m, cmd) => {
  if (cmd.form === 'read') return { lines: ['+QSCLK: 0'], final: 'OK' };
  const n = intArg(cmd, 0);
  return n === 0 || n === 1 || n === 2 ? ok : { final: { cme: 50 } };
};

const qpowd: CommandHandler = (m, cmd) => {
  const mode = intArg(cmd, 0) ?? 1;
  if (mode !== 0 && mode !== 1) return { final: { cme: 50 } };
  // OK first, then POWERED DOWN about a second later (mode 0 = immediate power-down in the manual; same here).
  return { final: 'OK', then: () => m.powerDown(false) };
};

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function tzSuffix(q: number): string {
  return (q < 0 ? '-' : '+') + two(Math.abs(q));
}

/** Default RTC after power-on without network time (reads as 1980, earlier than any build date). */
const RTC_DEFAULT_MS = Date.UTC(1980, 0, 6, 0, 0, 0);

const cclk: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'read') return cmd.form === 'set' ? ok : { final: 'ERROR' };
  const wall = m.modemWallMs() ?? RTC_DEFAULT_MS + m.time.now() % 86_400_000;
  const q = m.tzQuarterHours();
  // BG95 keeps the RTC in UTC and prints the zone as a suffix (observed on BG95/BG96 with NITZ).
  const d = new Date(wall);
  const text = `${two(d.getUTCFullYear() % 100)}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())},${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${tzSuffix(q)}`;
  return { lines: [`+CCLK: "${text}"`], final: 'OK' };
};

const qlts: CommandHandler = (m, cmd) => {
  const mode = cmd.form === 'set' ? (intArg(cmd, 0) ?? 0) : 0;
  if (mode < 0 || mode > 2) return { final: { cme: 50 } };
  const wall = m.modemWallMs();
  if (wall === undefined || !m.conditions.nitz) return { lines: ['+QLTS: ""'], final: 'OK' };
  const q = m.tzQuarterHours();
  const d = new Date(mode === 1 ? wall : wall + q * 15 * 60_000);
  const text = `${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())},${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}${tzSuffix(q)},0`;
  return { lines: [`+QLTS: "${text}"`], final: 'OK' };
};

export const GENERAL: Record<string, CommandHandler> = {
  '': at,
  E: echo,
  I: info,
  V: accepted,
  Q: accepted,
  Z: accepted,
  '&W': accepted,
  '&F': accepted,
  '+CMEE': cmee,
  '+GSN': gsn,
  '+CGSN': gsn,
  '+QCCID': qccid,
  '+CCID': qccid,
  '+CIMI': cimi,
  '+QGMR': qgmr,
  '+CGMR': cgmr,
  '+GMR': cgmr,
  '+CGMI': cgmi,
  '+CGMM': cgmm,
  '+CPIN': cpin,
  '+CBC': cbc,
  '+QSCLK': qsclk,
  '+QPOWD': qpowd,
  '+CCLK': cclk,
  '+QLTS': qlts,
};
