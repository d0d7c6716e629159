/** MQTT commands of the modem's own client (ref §3). All two-phase commands wait for their URC. */

import { AtParseError, allFieldsOf, int, okCommand, q, read, requireFields, splitFields, type AtCommand } from '../at-command.ts';

/** Packet timeout and retries we configure; URC waits are pkt_timeout x (retry + 1) + margin (ref §3.1). */
export const MQTT_PKT_TIMEOUT_S = 20;
export const MQTT_RETRIES = 2;
export const MQTT_URC_TIMEOUT_MS = (MQTT_PKT_TIMEOUT_S * (MQTT_RETRIES + 1) + 10) * 1000;
/** QMTOPEN's URC may take ~75 s (Quectel's SDK waits 121 s) (ref §12). */
export const QMTOPEN_URC_TIMEOUT_MS = 90000;

export type MqttSetting =
  | { name: 'version'; value: 3 | 4 } // 4 = MQTT 3.1.1
  | { name: 'pdpcid'; value: number }
  | { name: 'keepalive'; value: number }
  | { name: 'session'; value: 0 | 1 } // 1 = clean session
  | { name: 'timeout'; pktTimeoutS: number; retries: number; notice: 0 | 1 }
  | { name: 'recv/mode'; mode: 0 | 1; lengthInUrc: 0 | 1 };

export const qmtcfg = /* @__PURE__ */ okCommand<{ client: number; setting: MqttSetting }>('QMTCFG', ({ client, setting: s }) => {
  switch (s.name) {
    case 'timeout':
      return `AT+QMTCFG="timeout",${client},${s.pktTimeoutS},${s.retries},${s.notice}`;
    case 'recv/mode':
      return `AT+QMTCFG="recv/mode",${client},${s.mode},${s.lengthInUrc}`;
    default:
      return `AT+QMTCFG="${s.name}",${client},${s.value}`;
  }
});

const idxMatches = (line: string, client: number): boolean => {
  const colon = line.indexOf(':');
  const f = splitFields(line.slice(colon + 1));
  return f[0] === String(client);
};

export interface OpenSocket {
  client: number;
  host: string;
  port: number;
}

/** `+QMTOPEN: <idx>,"<host>",<port>` for each open client; no line when none is open. */
export const qmtopenRead: AtCommand<void, OpenSocket[]> = /* @__PURE__ */ read('QMTOPEN?', (lines) =>
  allFieldsOf(lines, '+QMTOPEN:')
    .filter((f) => f.length >= 3)
    .map((f) => ({ client: int('QMTOPEN?', f[0]), host: f[1], port: int('QMTOPEN?', f[2]) })),
);

/**
 * A two-phase command of one client whose outcome URC is `+<name>: <idx>,<result>`: OK within 5 s, then
 * the URC with our client index within `urcTimeoutMs`; the result is the number.
 */
function resultCommand<A>(name: string, build: (args: A) => string, urcTimeoutMs: number, clientOf: (args: A) => number): AtCommand<A, number> {
  const prefix = `+${name}:`;
  return {
    name,
    build,
    timeoutMs: 5000,
    urc: { prefixes: [prefix], timeoutMs: urcTimeoutMs, match: (l, a) => idxMatches(l, clientOf(a)) },
    parse(lines) {
      const f = requireFields(name, lines.slice(-1), prefix, 2);
      return int(name, f[1]);
    },
  };
}

/**
 * `+QMTOPEN: <idx>,<result>`: -1 network failed, 0 opened, 1 wrong parameter, 2 identifier occupied
 * (stale client after an MCU reset, ref §11.2), 3 PDP activation failed, 4 DNS failed, 5 network disconnected.
 */
export const qmtopen = /* @__PURE__ */ resultCommand<{ client: number; host: string; port: number }>(
  'QMTOPEN',
  (a) => `AT+QMTOPEN=${a.client},${q(a.host)},${a.port}`,
  QMTOPEN_URC_TIMEOUT_MS,
  (a) => a.client,
);

/** Read form: `+QMTCONN: <idx>,<state>` with state 1 initializing, 2 connecting, 3 connected, 4 disconnecting (ref §11.6). */
export const qmtconnRead: AtCommand<{ client: number }, number | undefined> = /* @__PURE__ */ read('QMTCONN?', (lines, a: { client: number }) => {
  const rows = allFieldsOf(lines, '+QMTCONN:');
  for (let i = 0; i < rows.length; i++) if (rows[i][0] === String(a.client) && rows[i].length >= 2) return int('QMTCONN?', rows[i][1]);
  return undefined;
});

export interface ConnResult {
  result: number; // 0 sent and CONNACK received, 1 retransmission, 2 failed to send
  retCode?: number; // CONNACK return code (URC third field, not the read-form state)
}

export const qmtconn: AtCommand<{ client: number; clientId: string }, ConnResult> = {
  name: 'QMTCONN',
  build: (a) => `AT+QMTCONN=${a.client},${q(a.clientId)}`,
  timeoutMs: 5000,
  urc: {
    prefixes: ['+QMTCONN:'],
    timeoutMs: MQTT_URC_TIMEOUT_MS,
    match: (l, a) => idxMatches(l, a.client),
    final: (l) => splitFields(l.slice(9))[1] !== '1',
  },
  parse(lines) {
    const f = requireFields('QMTCONN', lines.slice(-1), '+QMTCONN:', 2);
    const r: ConnResult = { result: int('QMTCONN', f[1]) };
    if (f.length >= 3 && f[2] !== '') r.retCode = int('QMTCONN', f[2]);
    return r;
  },
};

export interface SubResult {
  result: number;
  grantedQos?: number; // 128 = SUBACK failure
}

export const qmtsub: AtCommand<{ client: number; msgId: number; topic: string; qos: 0 | 1 | 2 }, SubResult> = {
  name: 'QMTSUB',
  build: (a) => `AT+QMTSUB=${a.client},${a.msgId},${q(a.topic)},${a.qos}`,
  timeoutMs: 5000,
  urc: {
    prefixes: ['+QMTSUB:'],
    timeoutMs: MQTT_URC_TIMEOUT_MS,
    match: (l, a) => idxMatches(l, a.client) && splitFields(l.slice(8))[1] === String(a.msgId),
    final: (l) => splitFields(l.slice(8))[2] !== '1',
  },
  parse(lines) {
    const f = requireFields('QMTSUB', lines.slice(-1), '+QMTSUB:', 3);
    const r: SubResult = { result: int('QMTSUB', f[2]) };
    if (f.length >= 4 && f[3] !== '') r.grantedQos = int('QMTSUB', f[3]);
    return r;
  },
};

export interface PubArgs {
  client: number;
  msgId: number; // 0 for QoS 0, 1..65535 otherwise
  qos: 0 | 1;
  retain: 0 | 1;
  topic: string;
  payload: Uint8Array;
}

export interface PubResult {
  result: number; // 0 sent (PUBACK for QoS 1), 2 failed
  retransmissions: number; // intermediate `result 1` URCs seen
}

const PUB_PREFIXES = ['+QMTPUBEX:', '+QMTPUB:'];

function pubFields(line: string): string[] {
  return splitFields(line.slice(line.indexOf(':') + 1));
}

/**
 * Binary-safe publish: `AT+QMTPUBEX=<idx>,<msgid>,<qos>,<retain>,"<topic>",<len>`, prompt `>`, then the raw
 * bytes (ref §3.4). The outcome URC is `+QMTPUBEX:` on some firmware and `+QMTPUB:` on others (BG77, BG95,
 * Quectel SDK: ref §11.1), so both prefixes end the wait.
 */
export const qmtpub: AtCommand<PubArgs, PubResult> = {
  name: 'QMTPUBEX',
  build(a) {
    if ((a.qos === 0) !== (a.msgId === 0) || a.msgId < 0 || a.msgId > 65535) throw new Error(`QMTPUBEX: msgid ${a.msgId} invalid for QoS ${a.qos}`);
    return `AT+QMTPUBEX=${a.client},${a.msgId},${a.qos},${a.retain},${q(a.topic)},${a.payload.length}`;
  },
  timeoutMs: 5000,
  payload: (a) => a.payload,
  urc: {
    prefixes: PUB_PREFIXES,
    timeoutMs: MQTT_URC_TIMEOUT_MS,
    match: (l, a) => {
      const f = pubFields(l);
      return f[0] === String(a.client) && f[1] === String(a.msgId);
    },
    final: (l) => pubFields(l)[2] !== '1',
  },
  parse(lines) {
    const last = lines[lines.length - 1];
    if (last === undefined || !(last.startsWith('+QMTPUBEX:') || last.startsWith('+QMTPUB:'))) throw new AtParseError('QMTPUBEX', 'missing publish URC');
    const f = pubFields(last);
    let retrans = 0;
    for (let i = 0; i < lines.length - 1; i++) if (lines[i].startsWith('+QMTPUB')) retrans++;
    return { result: int('QMTPUBEX', f[2]), retransmissions: retrans };
  },
};

/** `+QMTDISC: <idx>,<result>` / `+QMTCLOSE: <idx>,<result>`: -1 failed, 0 ok. */
export const qmtdisc = /* @__PURE__ */ resultCommand<number>('QMTDISC', (client) => `AT+QMTDISC=${client}`, 30000, (client) => client);
export const qmtclose = /* @__PURE__ */ resultCommand<number>('QMTCLOSE', (client) => `AT+QMTCLOSE=${client}`, 10000, (client) => client);

/** `+QMTSTAT: <idx>,<err>` (ref §3.7). */
export function parseQmtstat(line: string): { client: number; err: number } {
  const f = splitFields(line.slice(line.indexOf(':') + 1));
  if (f.length < 2) throw new AtParseError('+QMTSTAT', line);
  return { client: int('+QMTSTAT', f[0]), err: int('+QMTSTAT', f[1]) };
}

