/** PSM request and granted timers (ref §4). */

import { AtParseError, int, okCommand, query, type AtCommand } from '../at-command.ts';
import { decodePsmTimers, encodePsmTimers, type PsmTimers } from './psm-timers.ts';

/** `AT+CPSMS=1,,,"<TAU>","<active>"`: the two empty fields are the 2G/3G timers; TAU before active time. */
export const cpsms = /* @__PURE__ */ okCommand<PsmTimers | null>('CPSMS', (t) => {
  if (t === null) return 'AT+CPSMS=0';
  const e = encodePsmTimers(t);
  return `AT+CPSMS=1,,,"${e.tau}","${e.active}"`;
});

/**
 * Granted timers. `AT+QPSMS?` was seen in a BG96 driver and is [verify] on BG95 (ref §4). We accept both
 * forms seen for it: seconds (`+QPSMS: 1,,,"86400","10"`) and 3GPP bit strings (`"00111000","00000101"`).
 * mode 0 = PSM not granted: both timers undefined.
 */
export const qpsmsRead: AtCommand<void, PsmTimers & { enabled: boolean }> = /* @__PURE__ */ query('QPSMS?', 1, (f) => {
  const enabled = int(f[0]) === 1;
  if (!enabled || f.length < 5) return { enabled, tauS: undefined, activeS: undefined };
  const tau = f[3];
  const act = f[4];
  if (/^[01]{8}$/.test(tau) && /^[01]{8}$/.test(act)) return { enabled, ...decodePsmTimers(tau, act) };
  if (/^\d+$/.test(tau) && /^\d+$/.test(act)) return { enabled, tauS: Number(tau), activeS: Number(act) };
  throw new AtParseError(`timers "${tau}","${act}"`);
});
