/**
 * MQTT commands over a real broker: QMTCFG, QMTOPEN (+ read, stale identifier result 2), QMTCONN (+ read),
 * QMTSUB, QMTUNS, QMTPUB/QMTPUBEX (prompt + exact length, or the inline string form), QMTRECV (buffer
 * mode), QMTDISC, QMTCLOSE. Link drops surface as +QMTSTAT, downlinks as +QMTRECV.
 */
import type { Bg95Emulator, CommandHandler, CommandOutcome } from '../bg95-emulator.ts';
import { intArg, strArg, type AtCommand } from '../at-command.ts';
import { MqttLink, type ConnectOptions } from '../mqtt-link.ts';
import { Decoder } from 'cbor-x';

const MAX_PAYLOAD = 4096;

const DEFAULTS: Record<string, string[]> = {
  version: ['4'],
  pdpcid: ['1'],
  ssl: ['0', '0'],
  keepalive: ['120'],
  session: ['1'],
  timeout: ['5', '3', '0'],
  will: ['0'],
  'recv/mode': ['0', '0'],
};

export function mqttCfg(m: Bg95Emulator, idx: number, param: string): string[] {
  return m.mqttCfg.get(idx)?.get(param) ?? DEFAULTS[param] ?? [];
}

const validIdx = (idx: number | undefined): idx is number => idx !== undefined && idx >= 0 && idx <= 5;

/** Modem-side packet timeout: pkt_timeout x (retries + 1), in virtual ms. */
function packetDeadlineMs(m: Bg95Emulator, idx: number): number {
  const [t, r] = mqttCfg(m, idx, 'timeout').map(Number);
  return (t || 5) * ((r ?? 3) + 1) * 1_000;
}

const opening = new WeakMap<Bg95Emulator, Set<number>>();
const recvBuffers = new WeakMap<Bg95Emulator, Map<number, (Uint8Array | undefined)[]>>();

const qmtcfg: CommandHandler = (m, cmd) => {
  if (cmd.form === 'test') return { final: 'OK' };
  if (cmd.form !== 'set') return { final: 'ERROR' };
  const param = (strArg(cmd, 0) ?? '').toLowerCase();
  const idx = intArg(cmd, 1);
  if (!(param in DEFAULTS) || !validIdx(idx)) return { final: { cme: 50 } };
  const values = cmd.args.slice(2).map((a) => a.text);
  if (values.length === 0) {
    const shown = param === 'will' ? mqttCfg(m, idx, param).map((v, i) => (i >= 3 ? `"${v}"` : v)) : mqttCfg(m, idx, param);
    return { lines: [`+QMTCFG: "${param}",${shown.join(',')}`], final: 'OK' };
  }
  const n = values.map(Number);
  const bad =
    (param === 'version' && !['3', '4'].includes(values[0])) ||
    (param === 'keepalive' && !(n[0] >= 0 && n[0] <= 3600)) ||
    (param === 'session' && !['0', '1'].includes(values[0])) ||
    (param === 'timeout' && !(n[0] >= 1 && n[0] <= 60 && (values[1] === undefined || (n[1] >= 0 && n[1] <= 10)))) ||
    (param === 'recv/mode' && !['0', '1'].includes(values[0]));
  if (bad) return { final: { cme: 50 } };
  let cfg = m.mqttCfg.get(idx);
  if (!cfg) m.mqttCfg.set(idx, (cfg = new Map()));
  cfg.set(param, values);
  return { final: 'OK' };
};

function sslFilesPresent(m: Bg95Emulator, idx: number): boolean {
  const [enabled, ctx] = mqttCfg(m, idx, 'ssl');
  if (enabled !== '1') return true;
  const seclevel = Number(m.ssl.get(`${ctx}:seclevel`) ?? '0');
  const names = ['cacert', ...(seclevel >= 2 ? ['clientcert', 'clientkey'] : [])];
  if (seclevel === 0) return true;
  return names.every((p) => {
    const v = m.ssl.get(`${ctx}:${p}`);
    return v !== undefined && m.files.has(v.replace(/"/g, ''));
  });
}

const qmtopen: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') return { lines: [...m.links].map(([idx, l]) => `+QMTOPEN: ${idx},"${l.host}",${l.port}`), final: 'OK' };
  if (cmd.form === 'test') return { lines: ['+QMTOPEN: (0-5),"<host_name>",(1-65535)'], final: 'OK' };
  const idx = intArg(cmd, 0);
  const host = strArg(cmd, 1);
  const port = intArg(cmd, 2);
  if (!validIdx(idx) || !host || port === undefined || port < 1 || port > 65535) return { final: { cme: 50 } };
  const busy = opening.get(m) ?? new Set<number>();
  opening.set(m, busy);
  const then = (): void => {
    if (m.links.has(idx) || busy.has(idx)) return void m.after(20, () => m.urc(`+QMTOPEN: ${idx},2`));
    const ssl = mqttCfg(m, idx, 'ssl')[0] === '1';
    const cid = Number(mqttCfg(m, idx, 'pdpcid')[0]);
    const ctx = m.pdp.get(cid);
    if (!ctx?.active) return void m.after(1_000, () => m.urc(`+QMTOPEN: ${idx},3`));
    if (!m.registered()) return void m.after(30_000, () => m.urc(`+QMTOPEN: ${idx},-1`));
    m.markActivity(ssl ? 1_800 : 120); // TCP handshake, plus TLS with a client certificate
    if (!m.brokerReachable()) return void m.after(m.latencyMs(2), () => m.urc(`+QMTOPEN: ${idx},-1`));
    if (m.options.requireCertificates && !sslFilesPresent(m, idx)) return void m.after(m.latencyMs(3), () => m.urc(`+QMTOPEN: ${idx},-1`));
    busy.add(idx);
    const epoch = m.currentEpoch();
    const target = { host: m.brokerUrl.hostname, port: Number(m.brokerUrl.port || 1883) };
    m.hold(
      MqttLink.open({ host, port }, target).then(
        (link) => {
          // Unguarded: if the modem lost power meanwhile, the socket must still be closed.
          m.time.after(m.latencyMs(ssl ? 3 : 1), () => {
            busy.delete(idx);
            if (m.currentEpoch() !== epoch || !m.isAlive()) return void link.destroy();
            if (!m.registered() || !m.brokerReachable()) {
              void link.destroy();
              return m.urc(`+QMTOPEN: ${idx},-1`);
            }
            m.links.set(idx, link);
            link.onUnexpectedClose = () => closedByPeer(m, idx, link);
            m.urc(`+QMTOPEN: ${idx},0`);
          });
        },
        () => {
          m.time.after(m.latencyMs(2), () => {
            busy.delete(idx);
            if (m.currentEpoch() === epoch) m.urc(`+QMTOPEN: ${idx},-1`);
          });
        },
      ),
    );
  };
  return { final: 'OK', then };
};

function closedByPeer(m: Bg95Emulator, idx: number, link: MqttLink): void {
  // Real socket event (real time): report it in virtual time, if the link is still the current one.
  m.after(0, () => {
    if (m.links.get(idx) !== link) return;
    m.links.delete(idx);
    m.urc(`+QMTSTAT: ${idx},1`);
  });
}

const qmtconn: CommandHandler = (m, cmd) => {
  if (cmd.form === 'read') {
    const state = { open: 1, connecting: 2, connected: 3, disconnecting: 4 } as const;
    return { lines: [...m.links].map(([idx, l]) => `+QMTCONN: ${idx},${state[l.state]}`), final: 'OK' };
  }
  if (cmd.form === 'test') return { lines: ['+QMTCONN: (0-5),"<clientID>","<username>","<password>"'], final: 'OK' };
  const idx = intArg(cmd, 0);
  const clientId = strArg(cmd, 1);
  if (!validIdx(idx) || !clientId || clientId.length > 128) return { final: { cme: 50 } };
  const link = m.links.get(idx);
  if (!link || link.state !== 'open') return { final: 'ERROR' };
  const version = mqttCfg(m, idx, 'version')[0] === '3' ? 3 : 4;
  const will = mqttCfg(m, idx, 'will');
  const opts: ConnectOptions = {
    clientId,
    username: strArg(cmd, 2) || undefined,
    password: strArg(cmd, 3) || undefined,
    keepaliveS: Number(mqttCfg(m, idx, 'keepalive')[0]),
    clean: mqttCfg(m, idx, 'session')[0] !== '0',
    protocolVersion: version,
    will: will[0] === '1' && will[3] ? { topic: will[3], payload: Buffer.from(will[4] ?? ''), qos: Number(will[1]) as 0 | 1 | 2, retain: will[2] === '1' } : undefined,
  };
  const then = (): void => {
    m.markActivity(40 + clientId.length + (opts.username?.length ?? 0) + (opts.password?.length ?? 0));
    if (link.stalled || !m.brokerReachable()) {
      link.state = 'connecting';
      return void m.after(packetDeadlineMs(m, idx), () => {
        if (m.links.get(idx) !== link) return;
        m.links.delete(idx);
        void link.destroy();
        m.urc(`+QMTCONN: ${idx},2`);
      });
    }
    link.onMessage = (topic, payload, packet) => onDownlink(m, idx, link, topic, payload, packet.messageId ?? 0);
    m.hold(
      link.connect(opts).then((r) => {
        m.after(m.latencyMs(1), () => {
          if (m.links.get(idx) !== link) return;
          if (r.kind === 'accepted') {
            m.urc(`+QMTCONN: ${idx},0,0`);
            keepAlive(m, idx, link, opts.keepaliveS);
          } else {
            m.links.delete(idx);
            void link.destroy();
            m.urc(r.kind === 'refused' ? `+QMTCONN: ${idx},0,${r.returnCode}` : `+QMTCONN: ${idx},2`);
          }
        });
      }),
    );
  };
  return { final: 'OK', then };
};

/** PINGREQ every keepalive keeps the RRC connection (and so the modem out of PSM) while connected. */
function keepAlive(m: Bg95Emulator, idx: number, link: MqttLink, keepaliveS: number): void {
  if (keepaliveS <= 0) return;
  m.after(keepaliveS * 1_000, () => {
    if (m.links.get(idx) !== link || link.state !== 'connected') return;
    if (!link.stalled) m.markActivity(2);
    keepAlive(m, idx, link, keepaliveS);
  });
}

/** Highest Config version each emulated modem has received (peeked, see `holdForPromisedConfig`). */
const configSeen = new WeakMap<Bg95Emulator, number>();

/**
 * An Ack names the config version the cloud wants the cap to run (AckKey.configVersion = 5), and the cloud
 * publishes that Config right after the Ack. In the field it arrives within a round trip; here virtual time
 * would race ahead of it (the cap waits for it only for a few virtual seconds), so the cap would give up,
 * retry, and re-upload in a loop. So when an Ack promises a Config this modem has not seen yet, virtual time
 * also waits (bounded in real time) for the next downlink.
 */
function holdForPromisedConfig(m: Bg95Emulator, link: MqttLink, payload: Uint8Array): void {
  let msg: unknown;
  try {
    msg = peek.decode(payload);
  } catch {
    return;
  }
  if (!(msg instanceof Map)) return;
  const kind = msg.get(1);
  if (kind === 17) {
    const version = msg.get(3);
    if (typeof version === 'number') configSeen.set(m, Math.max(configSeen.get(m) ?? 0, version));
    return;
  }
  const wanted = kind === 16 ? msg.get(5) : undefined;
  if (typeof wanted === 'number' && wanted > (configSeen.get(m) ?? 0)) {
    m.hold(
      link.nextMessage(m.options.downlinkWaitRealMs ?? 3_000).then((arrived) => {
        if (!arrived) m.countDownlinkWaitTimeout();
      }),
    );
  }
}

function onDownlink(m: Bg95Emulator, idx: number, link: MqttLink, topic: string, payload: Uint8Array, msgid: number): void {
  const bytes = Uint8Array.from(payload);
  holdForPromisedConfig(m, link, bytes);
  m.after(m.latencyMs(1) + 50, () => {
    if (m.links.get(idx) !== link || !m.isAlive()) return m.countDownlink(true);
    const lossAt = m.armedLosses.indexOf('downlink');
    if (lossAt >= 0 || link.stalled) {
      if (lossAt >= 0) m.armedLosses.splice(lossAt, 1);
      m.log(`downlink on ${topic} lost on the radio link`);
      return m.countDownlink(true);
    }
    m.countDownlink(false);
    m.markActivity(0);
    const [mode, withLen] = mqttCfg(m, idx, 'recv/mode');
    if (mode === '1') {
      let buffers = recvBuffers.get(m);
      if (!buffers) recvBuffers.set(m, (buffers = new Map()));
      const slots = buffers.get(idx) ?? [undefined, undefined, undefined, undefined, undefined];
      buffers.set(idx, slots);
      const free = slots.findIndex((s) => s === undefined);
      if (free < 0) return m.countDownlink(true);
      slots[free] = recvLine(idx, msgid, topic, bytes, true);
      return m.urc(`+QMTRECV: ${idx},${free}`);
    }
    m.urc(recvLine(idx, msgid, topic, bytes, withLen === '1'));
  });
}

function recvLine(idx: number, msgid: number, topic: string, payload: Uint8Array, withLen: boolean): Uint8Array {
  const head = new TextEncoder().encode(`+QMTRECV: ${idx},${msgid},"${topic}",${withLen ? `${payload.length},` : ''}"`);
  const out = new Uint8Array(head.length + payload.length + 1);
  out.set(head, 0);
  out.set(payload, head.length);
  out[out.length - 1] = 0x22; // closing quote
  return out;
}

const qmtrecv: CommandHandler = (m, cmd) => {
  const slotsOf = (idx: number): (Uint8Array | undefined)[] => recvBuffers.get(m)?.get(idx) ?? [undefined, undefined, undefined, undefined, undefined];
  if (cmd.form === 'read') {
    const lines = [...m.links.keys()].map((idx) => `+QMTRECV: ${idx},${slotsOf(idx).map((s) => (s ? 1 : 0)).join(',')}`);
    return { lines, final: 'OK' };
  }
  const idx = intArg(cmd, 0);
  const id = intArg(cmd, 1);
  if (!validIdx(idx)) return { final: { cme: 50 } };
  const slots = slotsOf(idx);
  const ids = id === undefined ? [0, 1, 2, 3, 4] : [id];
  const lines: Uint8Array[] = [];
  for (const i of ids) {
    const s = slots[i];
    if (s) lines.push(s);
    slots[i] = undefined;
  }
  return { lines, final: 'OK' };
};

const qmtsub: CommandHandler = (m, cmd) => {
  if (cmd.form !== 'set') return cmd.form === 'test' ? { final: 'OK' } : { final: 'ERROR' };
  const idx = intArg(cmd, 0);
  const msgid = intArg(cmd, 1);
  if (!validIdx(idx) || msgid === undefined || msgid < 1 || msgid > 65535 || cmd.args.length < 4 || cmd.args.length % 2 !== 0) return { final: { cme: 50 } };
  const pairs: [string, 0 | 1 | 2][] = [];
  for (let i = 2; i < cmd.args.length; i += 2) {
    const qos = Number(cmd.args[i + 1].text);
    if (![0, 1, 2].includes(qos) || !cmd.args[i].text) return { final: { cme: 50 } };
    pairs.push([cmd.args[i].text, qos as 0 | 1 | 2]);
  }
  const link = m.links.get(idx);
  if (!link || link.state !== 'connected') return { final: 'ERROR' };
  const then = (): void => {
    m.markActivity(10 + pairs.reduce((a, [t]) => a + t.length + 3, 0));
    if (link.stalled) return void m.after(packetDeadlineMs(m, idx), () => m.urc(`+QMTSUB: ${idx},${msgid},2`));
    m.hold(
      Promise.all(pairs.map(([t, q]) => link.subscribe(t, q))).then(
        (granted) => m.after(m.latencyMs(1), () => m.urc(`+QMTSUB: ${idx},${msgid},0,${granted.join(',')}`)),
        () => m.after(m.latencyMs(1), () => m.urc(`+QMTSUB: ${idx},${msgid},2`)),
      ),
    );
  };
  return { final: 'OK', then };
};

const qmtuns: CommandHandler = (m, cmd) => {
  const idx = intArg(cmd, 0);
  const msgid = intArg(cmd, 1);
  const topic = strArg(cmd, 2);
  if (!validIdx(idx) || msgid === undefined || msgid < 1 || !topic) return { final: { cme: 50 } };
  const link = m.links.get(idx);
  if (!link || link.state !== 'connected') return { final: 'ERROR' };
  const then = (): void => {
    m.markActivity(10 + topic.length);
    m.hold(
      link.unsubscribe(topic).then(
        () => m.after(m.latencyMs(1), () => m.urc(`+QMTUNS: ${idx},${msgid},0`)),
        () => m.after(m.latencyMs(1), () => m.urc(`+QMTUNS: ${idx},${msgid},2`)),
      ),
    );
  };
  return { final: 'OK', then };
};

const peek = new Decoder({ mapsAsObjects: false, useRecords: false });

/** A Config downlink (CBOR map whose key 1, the kind, is 17). */
function isConfigPayload(payload: Uint8Array): boolean {
  try {
    const msg: unknown = peek.decode(payload);
    return msg instanceof Map && msg.get(1) === 17;
  } catch {
    return false;
  }
}

/** Default wait filter: an EventBatch (CBOR map whose key 1, the kind, is 1) expects the cloud's Ack. */
export function isEventBatchPayload(_topic: string, payload: Uint8Array): boolean {
  try {
    const msg: unknown = peek.decode(payload);
    return msg instanceof Map ? msg.get(1) === 1 : true;
  } catch {
    return true; // undecodable: the cloud may still answer (quarantine); waiting costs only real time
  }
}

function publishCommand(cmd: AtCommand): CommandHandler {
  return (m) => {
    if (cmd.form === 'test') return { final: 'OK' };
    const idx = intArg(cmd, 0);
    const msgid = intArg(cmd, 1);
    const qos = intArg(cmd, 2);
    const retain = intArg(cmd, 3);
    const topic = strArg(cmd, 4);
    if (!validIdx(idx) || msgid === undefined || qos === undefined || retain === undefined || !topic) return { final: { cme: 50 } };
    if (![0, 1, 2].includes(qos) || (qos === 0 ? msgid !== 0 : msgid < 1 || msgid > 65535) || (retain !== 0 && retain !== 1)) return { final: { cme: 50 } };
    const last = cmd.args[5];
    // Old text mode (prompt, text ended by Ctrl-Z) is not emulated: binary CBOR must use the length form.
    if (last === undefined) return { final: 'ERROR' };
    const link = m.links.get(idx);
    if (!link || link.state !== 'connected') return { final: 'ERROR' };
    const urcName = cmd.name === '+QMTPUB' || m.options.publishUrc === 'QMTPUB' ? '+QMTPUB' : '+QMTPUBEX';
    const send = (payload: Uint8Array): void => publish(m, link, idx, msgid, qos as 0 | 1 | 2, retain === 1, topic, payload, urcName);
    if (last.quoted) {
      const payload = new TextEncoder().encode(last.text);
      if (payload.length > 1024) return { final: { cme: 50 } };
      return { final: 'OK', then: () => send(payload) };
    }
    const len = intArg(cmd, 5);
    if (len === undefined || len < 1 || len > MAX_PAYLOAD) return { final: { cme: 50 } };
    m.after(20, () =>
      m.expectData('> ', len, (payload) => {
        m.complete({ final: 'OK', then: () => send(payload) } satisfies CommandOutcome);
      }),
    );
    return 'deferred';
  };
}

function publish(m: Bg95Emulator, link: MqttLink, idx: number, msgid: number, qos: 0 | 1 | 2, retain: boolean, topic: string, payload: Uint8Array, urcName: string): void {
  m.markActivity(payload.length + topic.length + 60);
  if (link.stalled || !m.brokerReachable()) {
    return void m.after(packetDeadlineMs(m, idx), () => m.urc(`${urcName}: ${idx},${msgid},2`));
  }
  const drop = m.armedDrops.shift();
  if (drop !== undefined) {
    // The link dies while the packet is on the air: it never reaches the broker.
    return void m.after(m.latencyMs(1), () => {
      if (m.links.get(idx) !== link) return;
      m.links.delete(idx);
      void link.destroy();
      m.urc(`+QMTSTAT: ${idx},${drop}`);
    });
  }
  m.countPublish(payload.length);
  const lossAt = qos > 0 ? m.armedLosses.indexOf('puback') : -1;
  if (lossAt >= 0) m.armedLosses.splice(lossAt, 1);
  const wantsDownlink = topic.endsWith('/up') && (m.options.awaitDownlinkAfter ?? isEventBatchPayload)(topic, payload);
  if (wantsDownlink) {
    m.hold(
      // Wait for the answer (the Ack), not for a retained Config that the broker delivers after every SUBSCRIBE.
      link.nextMessage(m.options.downlinkWaitRealMs ?? 3_000, (bytes) => !isConfigPayload(bytes)).then((arrived) => {
        if (!arrived) m.countDownlinkWaitTimeout();
      }),
    );
  }
  m.hold(
    link.publish(topic, payload, qos, retain).then(
      () => {
        if (lossAt >= 0) {
          // Reached the broker, but the PUBACK was lost on the radio link: the module gives up after its retries.
          m.countPubackLost();
          m.log(`PUBACK for msgid ${msgid} lost`);
          // With the notice flag (QMTCFG "timeout" third value) the module reports each retransmission.
          const [pktS, retries, notice] = mqttCfg(m, idx, 'timeout').map(Number);
          if (notice === 1) {
            for (let n = 1; n <= (retries ?? 3); n++) m.after(n * (pktS || 5) * 1_000, () => m.urc(`${urcName}: ${idx},${msgid},1,${n}`));
          }
          return void m.after(packetDeadlineMs(m, idx), () => m.urc(`${urcName}: ${idx},${msgid},2`));
        }
        m.after(m.latencyMs(1), () => m.urc(`${urcName}: ${idx},${msgid},0`));
      },
      () => m.after(m.latencyMs(1), () => m.urc(`${urcName}: ${idx},${msgid},2`)),
    ),
  );
}

const qmtdisc: CommandHandler = (m, cmd) => {
  const idx = intArg(cmd, 0);
  if (!validIdx(idx)) return { final: { cme: 50 } };
  const link = m.links.get(idx);
  if (!link) return { final: 'OK', then: () => void m.after(20, () => m.urc(`+QMTDISC: ${idx},-1`)) };
  return {
    final: 'OK',
    then: () => {
      m.links.delete(idx);
      m.markActivity(2);
      m.hold(link.disconnect().then(() => m.after(m.latencyMs(1), () => m.urc(`+QMTDISC: ${idx},0`))));
    },
  };
};

const qmtclose: CommandHandler = (m, cmd) => {
  const idx = intArg(cmd, 0);
  if (!validIdx(idx)) return { final: { cme: 50 } };
  const link = m.links.get(idx);
  if (!link) return { final: 'OK', then: () => void m.after(20, () => m.urc(`+QMTCLOSE: ${idx},-1`)) };
  return {
    final: 'OK',
    then: () => {
      m.links.delete(idx);
      m.hold(link.destroy().then(() => m.after(m.latencyMs(1), () => m.urc(`+QMTCLOSE: ${idx},0`))));
    },
  };
};

export const MQTT: Record<string, CommandHandler> = {
  '+QMTCFG': qmtcfg,
  '+QMTOPEN': qmtopen,
  '+QMTCONN': qmtconn,
  '+QMTSUB': qmtsub,
  '+QMTUNS': qmtuns,
  '+QMTPUB': (m, cmd) => publishCommand(cmd)(m, cmd),
  '+QMTPUBEX': (m, cmd) => publishCommand(cmd)(m, cmd),
  '+QMTRECV': qmtrecv,
  '+QMTDISC': qmtdisc,
  '+QMTCLOSE': qmtclose,
};
