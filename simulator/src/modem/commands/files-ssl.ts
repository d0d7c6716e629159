/**
 * UFS files and TLS configuration: QFUPL (CONNECT + raw bytes), QFLST, QFDEL, QSSLCFG.
 * Files survive power cycles (they are in the module's flash); manufacturing writes certificates with QFUPL.
 */
import type { CommandHandler } from '../bg95-emulator.ts';
import { intArg, strArg } from '../at-command.ts';

/** Quectel's QFUPL checksum: XOR of the data taken as big-endian 16-bit words (odd tail padded with 0). */
export function qfuplChecksum(data: Uint8Array): string {
  let x = 0;
  for (let i = 0; i < data.length; i += 2) x ^= (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
  return x.toString(16);
}

const MAX_FILE = 256 * 1024;

const qfupl: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'set') return { final: { cme: 50 } };
  const name = strArg(cmd, 0);
  const size = intArg(cmd, 1);
  const timeoutS = intArg(cmd, 2) ?? 5;
  if (!name || size === undefined || size < 0 || size > MAX_FILE) return { final: { cme: 50 } };
  if (m.files.has(name)) return { final: { cme: 407 } }; // file already exists: delete first (QFDEL)
  const onData = (data: Uint8Array): void => {
    m.time.cancel(timer);
    m.files.set(name, data);
    if (m.options.qfuplReportsTimeout) m.complete({ final: { cme: 421 } });
    else m.complete({ lines: [`+QFUPL: ${data.length},${qfuplChecksum(data)}`], final: 'OK' });
  };
  const timer = m.after(timeoutS * 1_000, () => {
    if (m.cancelData(onData)) m.complete({ final: { cme: 421 }, delayMs: 0 });
  });
  m.after(20, () => m.expectData('\r\nCONNECT\r\n', size, onData));
  return 'deferred';
};

const qflst: CommandHandler = (m, cmd) => {
  const pattern = cmd.form === 'set' ? (strArg(cmd, 0) ?? '*') : '*';
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  const lines = [...m.files].filter(([n]) => re.test(n)).map(([n, d]) => `+QFLST: "${n}",${d.length}`);
  if (lines.length === 0 && pattern !== '*') return { final: { cme: 405 } };
  return { lines, final: 'OK' };
};

const qfdel: CommandHandler = (m, cmd) => {
  const name = strArg(cmd, 0);
  if (!name) return { final: { cme: 50 } };
  if (name === '*') {
    m.files.clear();
    return { final: 'OK' };
  }
  if (!m.files.delete(name)) return { final: { cme: 405 } };
  return { final: 'OK' };
};

const SSL_PARAMS = new Set(['sslversion', 'ciphersuite', 'cacert', 'clientcert', 'clientkey', 'seclevel', 'ignorelocaltime', 'negotiatetime', 'sni', 'checkhost', 'session', 'renegotiation', 'dtls', 'dtlsversion']);

const qsslcfg: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'set') return cmd.form === 'test' ? { final: 'OK' } : { final: 'ERROR' };
  const param = (strArg(cmd, 0) ?? '').toLowerCase();
  const ctx = intArg(cmd, 1);
  if (!SSL_PARAMS.has(param) || ctx === undefined || ctx < 0 || ctx > 5) return { final: { cme: 50 } };
  const key = `${ctx}:${param}`;
  if (cmd.args.length === 2) {
    const v = m.ssl.get(key);
    return { lines: [`+QSSLCFG: "${param}",${ctx}${v === undefined ? '' : ',' + v}`], final: 'OK' };
  }
  m.ssl.set(
    key,
    cmd.args
      .slice(2)
      .map((a) => (a.quoted ? `"${a.text}"` : a.text))
      .join(','),
  );
  return { final: 'OK' };
};

export const FILES_SSL: Record<string, CommandHandler> = {
  '+QFUPL': qfupl,
  '+QFLST': qflst,
  '+QFDEL': qfdel,
  '+QSSLCFG': qsslcfg,
};
