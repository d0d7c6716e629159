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

export interface OpenSocket {
  client: number;
  host: string;
  port: number;
}

/** `+QMTOPEN: <idx>,"<host>",<port>` for each open client; no line when none is open. */
export const qmtopenRead: AtCommand<void, OpenSocket[]> = /* @__PURE__ */ read('QMTOPEN?', (lines) =>
  allFieldsOf(lines, '+QMTOPEN:')
    .filter((f) => f.length >= 3)
    .map((f) => ({ client: int(f[0]), host: f[1], port: int(f[2]) })),
);

/** The fields of a URC line, after its colon. */
const urcFields = (line: string): string[] => splitFields(line.slice(line.indexOf(':') + 1));

/**
 * A two-phase command of one client: OK within 5 s, then within `urcTimeoutMs` its outcome URC
 * `+<name>: <idx>[,<msgid>],<result>[,...]` with our client index (and our message id, given `msgIdOf`).
 * `parse` gets the fields of that URC, the last line. With `notices`, result 1 is a retransmission notice,
 * not the outcome: the wait goes on.
 */
function mqttCommand<A, R>(
  name: string,
  build: (args: A) => string,
  urcTimeoutMs: number,
  clientOf: (args: A) => number,
  parse: (f: string[], lines: string[]) => R,
  msgIdOf?: (args: A) => number,
  notices?: boolean,
  prefixes = [`+${name}:`],
): AtCommand<A, R> {
  const at = msgIdOf ? 2 : 1; // the result field
  return {
    name,
    build,
    timeoutMs: 5000,
    urc: {
      prefixes,
      timeoutMs: urcTimeoutMs,
      match: (l, a) => {
        const f = urcFields(l);
        return f[0] === String(clientOf(a)) && (!msgIdOf || f[1] === String(msgIdOf(a)));
      },
      final: notices ? (l) => urcFields(l)[at] !== '1' : undefined,
    },
    parse(lines) {
      const last = lines[lines.length - 1];
      const f = last !== undefined && prefixes.some((p) => last.startsWith(p)) ? urcFields(last) : [];
      if (f.length <= at) throw new AtParseError(`missing ${prefixes[0]} line`);
      return parse(f, lines);
    },
  };
}

const resultOf = (f: string[]): number => int(f[1]);
const itself = (c: number): number => c;

/**
 * `+QMTOPEN: <idx>,<result>`: -1 network failed, 0 opened, 1 wrong parameter, 2 identifier occupied
 * (stale client after an MCU reset, ref §11.2), 3 PDP activation failed, 4 DNS failed, 5 network disconnected.
 */
export const qmtopen = /* @__PURE__ */ mqttCommand<{ client: number; host: string; port: number }, number>(
  'QMTOPEN',
  (a) => `AT+QMTOPEN=${a.client},${q(a.host)},${a.port}`,
  QMTOPEN_URC_TIMEOUT_MS,
  (a) => a.client,
  resultOf,
);

/** Read form: `+QMTCONN: <idx>,<state>` with state 1 initializing, 2 connecting, 3 connected, 4 disconnecting (ref §11.6). */
export const qmtconnRead: AtCommand<{ client: number }, number | undefined> = /* @__PURE__ */ read('QMTCONN?', (lines, a: { client: number }) => {
  const rows = allFieldsOf(lines, '+QMTCONN:');
  for (let i = 0; i < rows.length; i++) if (rows[i][0] === String(a.client) && rows[i].length >= 2) return int(rows[i][1]);
  return undefined;
});

export interface ConnResult {
  result: number; // 0 sent and CONNACK received, 1 retransmission, 2 failed to send
  retCode?: number; // CONNACK return code (URC third field, not the read-form state)
}

export const qmtconn: AtCommand<{ client: number; clientId: string }, ConnResult> = /* @__PURE__ */ mqttCommand(
  'QMTCONN',
  (a) => `AT+QMTCONN=${a.client},${q(a.clientId)}`,
  MQTT_URC_TIMEOUT_MS,
  (a) => a.client,
  (f) => {
    const r: ConnResult = { result: int(f[1]) };
    if (f.length >= 3 && f[2] !== '') r.retCode = int(f[2]);
    return r;
  },
  undefined,
  true,
);

export interface SubResult {
  result: number;
  grantedQos?: number; // 128 = SUBACK failure
}

export const qmtsub: AtCommand<{ client: number; msgId: number; topic: string; qos: 0 | 1 | 2 }, SubResult> = /* @__PURE__ */ mqttCommand(
  'QMTSUB',
  (a) => `AT+QMTSUB=${a.client},${a.msgId},${q(a.topic)},${a.qos}`,
  MQTT_URC_TIMEOUT_MS,
  (a) => a.client,
  (f) => {
    const r: SubResult = { result: int(f[2]) };
    if (f.length >= 4 && f[3] !== '') r.grantedQos = int(f[3]);
    return r;
  },
  (a) => a.msgId,
  true,
);

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

/**
 * Binary-safe publish: `AT+QMTPUBEX=<idx>,<msgid>,<qos>,<retain>,"<topic>",<len>`, prompt `>`, then the raw
 * bytes (ref §3.4). The outcome URC is `+QMTPUBEX:` on some firmware and `+QMTPUB:` on others (BG77, BG95,
 * Quectel SDK: ref §11.1), so both prefixes end the wait.
 */
export const qmtpub: AtCommand<PubArgs, PubResult> = {
  ...mqttCommand<PubArgs, PubResult>(
    'QMTPUBEX',
    (a) => {
      if ((a.qos === 0) !== (a.msgId === 0) || a.msgId < 0 || a.msgId > 65535) throw new Error(`QMTPUBEX: msgid ${a.msgId} invalid for QoS ${a.qos}`);
      return `AT+QMTPUBEX=${a.client},${a.msgId},${a.qos},${a.retain},${q(a.topic)},${a.payload.length}`;
    },
    MQTT_URC_TIMEOUT_MS,
    (a) => a.client,
    (f, lines) => {
      let retrans = 0;
      for (let i = 0; i < lines.length - 1; i++) if (lines[i].startsWith('+QMTPUB')) retrans++;
      return { result: int(f[2]), retransmissions: retrans };
    },
    (a) => a.msgId,
    true,
    ['+QMTPUBEX:', '+QMTPUB:'],
  ),
  payload: (a) => a.payload,
};

/** `+QMTDISC: <idx>,<result>` / `+QMTCLOSE: <idx>,<result>`: -1 failed, 0 ok. */
export const qmtdisc = /* @__PURE__ */ mqttCommand<number, number>('QMTDISC', (c) => `AT+QMTDISC=${c}`, 30000, itself, resultOf);
export const qmtclose = /* @__PURE__ */ mqttCommand<number, number>('QMTCLOSE', (c) => `AT+QMTCLOSE=${c}`, 10000, itself, resultOf);

/** `+QMTSTAT: <idx>,<err>` (ref §3.7). */
export function parseQmtstat(line: string): { client: number; err: number } {
  const f = urcFields(line);
  if (f.length < 2) throw new AtParseError(line);
  return { client: int(f[0]), err: int(f[1]) };
}

