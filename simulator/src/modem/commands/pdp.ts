/**
 * PDP context and NTP: QICSGP, QIACT, QIDEACT, QNTP.
 */
import type { CommandHandler } from '../bg95-emulator.ts';
import { intArg, strArg } from '../at-command.ts';

const qicsgp: CommandHandler = (m, cmd) => {
  const cid = intArg(cmd, 0);
  if (cid === undefined || cid < 1 || cid > 16) return { final: { cme: 50 } };
  const ctx = m.pdp.get(cid) ?? { apn: '', active: false, ip: '' };
  if (cmd.args.length === 1) return { lines: [`+QICSGP: 1,"${ctx.apn}","","",0`], final: 'OK' };
  ctx.apn = strArg(cmd, 2) ?? '';
  m.pdp.set(cid, ctx);
  return { final: 'OK' };
};

const qiact: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') {
    const lines = [...m.pdp].filter(([, c]) => c.active && m.registered()).map(([cid, c]) => `+QIACT: ${cid},1,1,"${c.ip}"`);
    return { lines, final: 'OK' };
  }
  if (cmd.form === 'test') return { lines: ['+QIACT: (1-16)'], final: 'OK' };
  const cid = intArg(cmd, 0) ?? 1;
  const ctx = m.pdp.get(cid);
  if (!ctx) return { final: { cme: 50 } };
  if (ctx.active && m.registered()) return { final: 'OK' };
  if (!m.registered()) return { final: { cme: 30 }, delayMs: 5_000 };
  // Activation is a network round trip (more with CE repetitions).
  m.markActivity(120);
  return {
    final: 'OK',
    delayMs: m.latencyMs(2),
    then: () => {
      ctx.active = true;
      ctx.ip = `10.${(cid * 37) % 250}.${(m.identity.imei.charCodeAt(10) * 7) % 250}.${(Number(m.identity.imei.slice(-3)) % 250) + 2}`;
    },
  };
};

const qideact: CommandHandler = (m, cmd) => {
  const cid = intArg(cmd, 0) ?? 1;
  const ctx = m.pdp.get(cid);
  if (!ctx) return { final: { cme: 50 } };
  // Deactivating the bearer closes every MQTT link on it (silently, as the device asked for it).
  for (const [idx, link] of [...m.links]) {
    const linkCid = Number(m.mqttCfg.get(idx)?.get('pdpcid')?.[0] ?? 1);
    if (linkCid === cid) {
      m.links.delete(idx);
      void link.destroy();
    }
  }
  const was = ctx.active;
  ctx.active = false;
  if (was && m.registered()) m.markActivity(60);
  return { final: 'OK', delayMs: was ? m.latencyMs(1) : 50 };
};

/** AT+QNTP=<cid>,"<server>"[,<port>[,<autosettime>]]: OK, then +QNTP: 0,"YYYY/MM/DD,hh:mm:ss+zz" (4-digit year as BG95-M3 sends). */
const qntp: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read' || cmd.form === 'test') return { lines: ['+QNTP: (1-16),"SERVER",(1-65535),(0,1)'], final: 'OK' };
  const cid = intArg(cmd, 0) ?? 1;
  const server = strArg(cmd, 1);
  const setClock = (intArg(cmd, 3) ?? 1) === 1;
  if (!server) return { final: { cme: 50 } };
  const ctx = m.pdp.get(cid);
  const usable = ctx?.active === true && m.registered();
  return {
    final: 'OK',
    then: () => {
      if (!usable) {
        m.after(10_000, () => m.urc('+QNTP: 561')); // 561: PDP context not active / open failed
        return;
      }
      m.markActivity(76);
      m.after(m.latencyMs(2), () => {
        const wall = m.networkWallMs();
        if (setClock) m.clockOffsetMs = wall - m.time.now();
        const q = m.tzQuarterHours();
        const d = new Date(wall);
        const p = (n: number): string => String(n).padStart(2, '0');
        m.urc(`+QNTP: 0,"${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())},${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${q < 0 ? '-' : '+'}${p(Math.abs(q))}"`);
      });
    },
  };
};

export const PDP: Record<string, CommandHandler> = {
  '+QICSGP': qicsgp,
  '+QIACT': qiact,
  '+QIDEACT': qideact,
  '+QNTP': qntp,
};
