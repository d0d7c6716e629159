/**
 * Uplink benchmark: payload bytes, radio-on time, AT commands per upload and modelled battery life.
 *
 * Two uplink clients run through the BG95 emulator over the embedded Aedes broker to the acknowledging peer,
 * 14 virtual days per case, 2 and 8 doses a day, good (-90 dBm, CE 0) and poor (-119 dBm, CE 2) coverage:
 *  - the real firmware (F1 + F2, run by S1's simulateFleet): its own upload policy decides when to connect;
 *    sessions are counted from the device clock of the uplinks the peer received (gap > 5 min = new session);
 *  - the reference client (simulator/src/modem/scripted-device.ts, the AT sequence of docs/modem.md): one
 *    upload per dose, coalesced 60 s after the lid closes, heartbeat in the first session of the day.
 * Energy comes from simulator/src/modem/energy-model.ts (datasheet-like approximations, printed below).
 */
import { AtScript } from '../../simulator/src/modem/at-script.ts';
import { ScriptedDevice } from '../../simulator/src/modem/scripted-device.ts';
import { startEmbeddedBroker } from '../../simulator/src/broker.ts';
import { startAckPeer } from '../../simulator/src/ack-peer.ts';
import { BG95_TYPICAL_PROFILE, batteryLifeDays } from '../../simulator/src/modem/energy-model.ts';
import { ceLevelFor, ceRepetitions } from '../../simulator/src/modem/network-conditions.ts';
import { EventKind } from '../../protocol/src/messages.ts';
import type { AckPeer } from '../../simulator/src/ack-peer.ts';

const DAY = 86_400_000;
const DAYS = 14;
const CELL_MAH = 1_000;

interface CaseResult {
  name: string;
  dosesPerDay: number;
  rsrpDbm: number;
  payloadBytesPerDay: number;
  payloadBytesPerEvent: number;
  radioOnSecondsPerDay: number;
  atCommandsPerUpload: number;
  chargePerDayMah: number;
  modemShare: number;
  batteryLifeYears: number;
  sessions: number;
  failures: number;
}

async function runCase(brokerUrl: string, name: string, dosesPerDay: number, rsrpDbm: number): Promise<CaseResult> {
  const serial = `BENCH-${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
  const at = new AtScript({ brokerUrl, identitySeed: serial, conditions: { coverage: [{ fromMs: 0, rsrpDbm }] } });
  const device = new ScriptedDevice(at, serial);
  // Spread the doses over the waking day (07:00 to 22:00).
  const times: number[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let i = 0; i < dosesPerDay; i++) times.push(d * DAY + 7 * 3_600_000 + Math.round((i * 15 * 3_600_000) / Math.max(1, dosesPerDay - 1)));
  }
  let events = 0;
  for (const t of times) {
    await at.time.run(t);
    device.record(EventKind.LidOpened, 30);
    events++;
    await at.time.run(t + 60_000);
    for (let attempt = 0; attempt < 3 && !(await device.session()); attempt++) await at.advance(15 * 60_000);
  }
  await at.time.run(DAYS * DAY);
  const energy = at.modem.energy.report(at.time.now());
  const stats = at.modem.stats();
  await at.modem.close();
  const days = energy.elapsedMs / DAY;
  return {
    name,
    dosesPerDay,
    rsrpDbm,
    payloadBytesPerDay: device.payloadBytes / days,
    payloadBytesPerEvent: device.payloadBytes / events,
    radioOnSecondsPerDay: energy.radioOnMs / 1000 / days,
    atCommandsPerUpload: stats.atCommands / Math.max(1, device.sessions.ok),
    chargePerDayMah: energy.chargePerDayMah,
    modemShare: energy.modemMah / energy.chargeMah,
    batteryLifeYears: batteryLifeDays(energy.chargePerDayMah, CELL_MAH) / 365,
    sessions: device.sessions.ok,
    failures: device.sessions.failed,
  };
}

const DOSE_TIMES: Record<number, string[]> = {
  2: ['08:00', '20:00'],
  8: ['07:00', '09:00', '11:00', '13:00', '15:00', '17:00', '19:00', '21:00'],
};

async function runFirmwareCase(brokerUrl: string, peer: AckPeer, name: string, dosesPerDay: number, rsrpDbm: number): Promise<CaseResult> {
  const { simulateFleet } = await import('../../simulator/src/simulate.ts');
  const { parseScenario } = await import('../../simulator/src/scenario.ts');
  const serial = `BENCH-FW-${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
  const scenario = parseScenario({
    name: `bench-${name}`,
    days: DAYS,
    patient: { doseTimes: DOSE_TIMES[dosesPerDay], adherence: 1, curiosityPerDay: 0, symptomsPerDay: 0 },
    coverage: { rsrpDbm: [{ atDay: 0, dbm: rsrpDbm }] },
  });
  const result = await simulateFleet({ scenario, days: DAYS, seed: 1, broker: brokerUrl, ackPeer: false, serials: [serial] });
  const cap = result.caps[0];
  const sends = peer.device(serial)?.sends ?? [];
  let sessions = 0;
  let last: { boot: number; uptimeS: number } | undefined;
  for (const s of sends) {
    if (!last || s.boot !== last.boot || s.uptimeS - last.uptimeS > 300) sessions++;
    last = s;
  }
  const chargePerDayMah = cap.chargeMah / DAYS;
  return {
    name,
    dosesPerDay,
    rsrpDbm,
    payloadBytesPerDay: cap.bytesSent / DAYS,
    payloadBytesPerEvent: cap.bytesSent / Math.max(1, cap.recorded),
    radioOnSecondsPerDay: cap.radioOnSeconds / DAYS,
    atCommandsPerUpload: cap.atCommands / Math.max(1, sessions),
    chargePerDayMah,
    modemShare: NaN,
    batteryLifeYears: batteryLifeDays(chargePerDayMah, CELL_MAH) / 365,
    sessions,
    failures: cap.recorded - cap.acknowledged,
  };
}

function printTable(title: string, results: CaseResult[]): void {
  console.log('');
  console.log(title);
  console.log('case        | payload B/day | B/event | radio-on s/day | uploads/day | AT cmds/upload | mAh/day | life on 1000 mAh');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(11)} | ${r.payloadBytesPerDay.toFixed(0).padStart(13)} | ${r.payloadBytesPerEvent.toFixed(1).padStart(7)} | ${r.radioOnSecondsPerDay.toFixed(1).padStart(14)} | ${(r.sessions / DAYS).toFixed(1).padStart(11)} | ${r.atCommandsPerUpload.toFixed(1).padStart(14)} | ${r.chargePerDayMah.toFixed(3).padStart(7)} | ${r.batteryLifeYears.toFixed(2)} years`,
    );
  }
  const target = results[0];
  console.log(`target: >= 2 years at 2 doses/day in good coverage: ${target.batteryLifeYears.toFixed(2)} years -> ${target.batteryLifeYears >= 2 ? 'MET' : 'NOT MET'}`);
}

function printAssumptions(): void {
  const p = BG95_TYPICAL_PROFILE;
  console.log('uplink model assumptions (approximations of typical BG95-M3 / nRF52 datasheet figures, not measurements):');
  console.log(`  modem currents: off ${p.modem.offMa * 1000} uA, PSM ${p.modem.psmMa * 1000} uA, idle (DRX 1.28 s) ${p.modem.idleMa} mA,`);
  console.log(`    search ${p.modem.searchMa} mA, RRC connected RX ${p.modem.connectedMa} mA, TX low/mid/high ${p.modem.txMa.low}/${p.modem.txMa.mid}/${p.modem.txMa.high} mA`);
  console.log(`  MCU: sleep ${p.mcu.sleepMa * 1000} uA, active ${p.mcu.activeMa} mA for ${p.mcu.activeMsPerAtLine} ms per AT line or URC`);
  console.log('  network: RRC inactivity 10 s after the last data, then PSM at once (QCFG psm/enter=1), TAU 24 h (~2 s awake per TAU)');
  console.log('  TX airtime: (20 ms + bytes x 8 / 100 kbit/s) x CE repetitions; TLS handshake ~1.8 kB up; MQTT/TCP/TLS overhead 60 B per publish');
  console.log(`  CE level from RSRP (>= -110: 0, >= -118: 1, >= -124: 2, else 3); repetitions x${[0, 1, 2, 3].map(ceRepetitions).join('/x')}; -90 dBm -> CE ${ceLevelFor(-90)}, -119 dBm -> CE ${ceLevelFor(-119)}`);
  console.log('  TX power from RSRP: >= -95 dBm low (~0 dBm), >= -110 mid (~13 dBm), else 23 dBm');
  console.log(`  battery: ${CELL_MAH} mAh cell, ${p.usableFraction * 100} % usable, ${p.selfDischargePctPerYear} %/year self-discharge; no LED/buzzer, no charger`);
  console.log(`  usage: one upload per dose (coalesced 60 s), heartbeat once a day in the first session, ${DAYS} virtual days per case`);
}

export async function runBench(): Promise<void> {
  const broker = await startEmbeddedBroker();
  const peer = await startAckPeer({ url: broker.url });
  try {
    printAssumptions();
    const cases = [
      ['2/day good', 2, -90],
      ['8/day good', 8, -90],
      ['2/day poor', 2, -119],
      ['8/day poor', 8, -119],
    ] as const;
    const firmware: CaseResult[] = [];
    try {
      for (const [name, doses, rsrp] of cases) {
        const started = performance.now();
        firmware.push(await runFirmwareCase(broker.url, peer, name, doses, rsrp));
        console.log(`  ran firmware ${name}: ${DAYS} virtual days in ${((performance.now() - started) / 1000).toFixed(1)} s wall`);
      }
    } catch (err) {
      console.log(`  firmware run unavailable: ${(err as Error).message}`);
    }
    const reference: CaseResult[] = [];
    for (const [name, doses, rsrp] of cases) {
      const started = performance.now();
      reference.push(await runCase(broker.url, name, doses, rsrp));
      console.log(`  ran reference client ${name}: ${DAYS} virtual days in ${((performance.now() - started) / 1000).toFixed(1)} s wall`);
    }
    if (firmware.length === cases.length) printTable('real firmware (F1 + F2) through the emulator:', firmware);
    printTable('reference AT client (docs/modem.md sequence, one upload per dose):', reference);
    const failed = [...firmware, ...reference].reduce((a, r) => a + r.failures, 0);
    if (failed > 0) console.log(`note: ${failed} upload sessions failed or events stayed unacknowledged (retried)`);
  } finally {
    await peer.close();
    await broker.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench();
