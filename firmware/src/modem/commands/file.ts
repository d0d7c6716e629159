/**
 * UFS file commands (ref: modem-bg95.md, file upload): certificates and keys are written into the modem's own
 * file system at manufacturing and referenced by AT+QSSLCFG.
 *
 * QFUPL is a CONNECT-then-raw-bytes command: after `AT+QFUPL="<name>",<size>,<timeoutS>` the modem answers
 * `CONNECT` and then takes exactly <size> raw bytes, after which it reports `+QFUPL: <size>,<checksum>` and
 * OK. The engine's payload form waits for a `>` prompt, not for a CONNECT line, so the caller writes the
 * bytes itself when it sees `CONNECT` (an engine URC handler; see console/modem-console.ts) while this
 * descriptor waits for `+QFUPL:` and the final result. Some firmware reports a successful upload as a
 * timeout (+CME ERROR: 421): confirm with QFLST before treating it as a failure.
 */

import { AtParseError, allFieldsOf, int, okCommand, q, requireFields, type AtCommand } from '../at-command.ts';

export interface UploadArgs {
  name: string; // e.g. UFS:client.pem
  size: number;
  /** Seconds the modem waits for the bytes after CONNECT. */
  timeoutS: number;
}

export interface UploadResult {
  size: number;
  checksum: string; // hex, XOR of the data as big-endian 16-bit words
}

export const qfupl: AtCommand<UploadArgs, UploadResult> = {
  name: 'QFUPL',
  build: (a) => {
    if (!(a.size >= 0 && Math.floor(a.size) === a.size)) throw new Error(`QFUPL: size ${a.size} invalid`);
    return `AT+QFUPL=${q(a.name)},${a.size},${a.timeoutS}`;
  },
  // The bytes follow CONNECT; the final result comes after them (or after the modem's own timeout).
  timeoutMs: 15000,
  prefix: '+QFUPL:',
  parse(lines) {
    const f = requireFields(lines, '+QFUPL:', 2);
    if (!/^[0-9A-Fa-f]{1,4}$/.test(f[1])) throw new AtParseError(`checksum "${f[1]}"`);
    return { size: int(f[0]), checksum: f[1].toLowerCase() };
  },
};

export interface FileEntry {
  name: string;
  size: number;
}

/** `AT+QFLST="<pattern>"` -> `+QFLST: "<name>",<size>` per file; +CME ERROR: 405 when nothing matches. */
export const qflst: AtCommand<string, FileEntry[]> = {
  name: 'QFLST',
  build: (pattern) => `AT+QFLST=${q(pattern)}`,
  timeoutMs: 3000,
  prefix: '+QFLST:',
  parse(lines) {
    return allFieldsOf(lines, '+QFLST:').map((f) => ({ name: f[0], size: int(f[1]) }));
  },
};

/** `AT+QFDEL="<name>"`: +CME ERROR: 405 when the file does not exist. */
export const qfdel = /* @__PURE__ */ okCommand<string>('QFDEL', (name) => `AT+QFDEL=${q(name)}`, 3000);

/** Quectel's upload checksum, to compare with `+QFUPL: <size>,<checksum>`. */
export function uploadChecksum(data: Uint8Array): string {
  let x = 0;
  for (let i = 0; i < data.length; i += 2) x ^= (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
  return x.toString(16);
}
