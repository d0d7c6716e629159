/**
 * Energy model: integrates modem and MCU current over virtual time.
 *
 * The emulator reports modem state changes (`setModemState`) and transmit bursts (`addTxBurst`); the device
 * runner may report MCU wake time (`addMcuActive`), otherwise the MCU is assumed asleep except for a fixed
 * cost per AT line handled. Charge is kept in mA·ms and reported in mAh.
 *
 * The default profile is a datasheet-LIKE approximation of a Quectel BG95-M3 on LTE-M at 3.8 V and an
 * nRF52-class MCU, rounded from the typical figures Quectel and Nordic publish (BG95 Hardware Design /
 * datasheet tables: power-off leakage, PSM floor, DRX/eDRX idle, LTE-M TX at several output powers). They
 * are not measurements of our board; replace them with measured values when a power profiler trace exists.
 */

export type ModemPowerState = 'off' | 'psm' | 'idle' | 'search' | 'connected';
export type TxLevel = 'low' | 'mid' | 'high';

export interface EnergyProfile {
  modem: {
    offMa: number; // supply on, module powered down (leakage)
    psmMa: number; // PSM floor
    idleMa: number; // registered, RRC idle, DRX 1.28 s / eDRX paging, UART awake
    searchMa: number; // cell search and attach (RX continuously on)
    connectedMa: number; // RRC connected, receiving / waiting, no TX
    txMa: Record<TxLevel, number>; // average current while transmitting at that output power
  };
  mcu: { sleepMa: number; activeMa: number; activeMsPerAtLine: number };
  /** Fraction of the nominal cell capacity the product can use (cut-off voltage, temperature, ageing). */
  usableFraction: number;
  /** Cell self-discharge, percent of capacity per year (Li-ion/LiPo ~2-3 %/yr at rest, protection IC included). */
  selfDischargePctPerYear: number;
}

export const BG95_TYPICAL_PROFILE: EnergyProfile = {
  modem: {
    offMa: 0.015, // ~15 uA power-off leakage (approximation of BG95 "power down" figure)
    psmMa: 0.0035, // ~3.5 uA PSM floor (BG95 datasheet "PSM typical" class figure)
    idleMa: 1.3, // ~1.3 mA LTE-M idle at DRX 1.28 s (BG95 typical, UART awake)
    searchMa: 45, // cell search: receiver on continuously, no TX (approximation)
    connectedMa: 22, // RRC connected, RX only (approximation between idle and TX figures)
    txMa: { low: 95, mid: 140, high: 210 }, // ~0 dBm / ~13 dBm / 23 dBm LTE-M transmit averages (approximation)
  },
  mcu: { sleepMa: 0.003, activeMa: 4, activeMsPerAtLine: 3 }, // nRF52 System ON sleep with RTC ~3 uA; CPU ~4 mA
  usableFraction: 0.85,
  selfDischargePctPerYear: 3,
};

/** Transmit power class from RSRP: uplink power control raises power as path loss grows. */
export function txLevelFor(rsrpDbm: number): TxLevel {
  if (rsrpDbm >= -95) return 'low';
  if (rsrpDbm >= -110) return 'mid';
  return 'high';
}

export class EnergyModel {
  private state: ModemPowerState = 'off';
  private since: number;
  private readonly stateMs: Record<ModemPowerState, number> = { off: 0, psm: 0, idle: 0, search: 0, connected: 0 };
  private modemChargeMaMs = 0;
  private txMs = 0;
  private mcuActiveMs = 0;
  private readonly startMs: number;

  constructor(
    readonly profile: EnergyProfile = BG95_TYPICAL_PROFILE,
    startMs = 0,
  ) {
    this.since = startMs;
    this.startMs = startMs;
  }

  modemState(): ModemPowerState {
    return this.state;
  }

  setModemState(next: ModemPowerState, atMs: number): void {
    this.close(atMs);
    this.state = next;
  }

  /** A transmit burst of `ms` on top of the connected state (its current replaces the RX current). */
  addTxBurst(ms: number, level: TxLevel): void {
    this.txMs += ms;
    this.modemChargeMaMs += ms * (this.profile.modem.txMa[level] - this.profile.modem.connectedMa);
  }

  addMcuActive(ms: number): void {
    this.mcuActiveMs += ms;
  }

  addAtLines(count: number): void {
    this.mcuActiveMs += count * this.profile.mcu.activeMsPerAtLine;
  }

  /** Snapshot at `atMs` (does not change the model). */
  report(atMs: number): EnergyReport {
    const stateMs = { ...this.stateMs };
    const elapsedInState = Math.max(0, atMs - this.since);
    stateMs[this.state] += elapsedInState;
    const modemMaMs = this.modemChargeMaMs + elapsedInState * this.currentOf(this.state);
    const totalMs = Math.max(0, atMs - this.startMs);
    const mcuActiveMs = Math.min(this.mcuActiveMs, totalMs);
    const mcuMaMs = mcuActiveMs * this.profile.mcu.activeMa + (totalMs - mcuActiveMs) * this.profile.mcu.sleepMa;
    const toMah = (maMs: number): number => maMs / 3_600_000;
    const modemMah = toMah(modemMaMs);
    const mcuMah = toMah(mcuMaMs);
    const days = totalMs / 86_400_000;
    const chargeMah = modemMah + mcuMah;
    return {
      elapsedMs: totalMs,
      modemMah,
      mcuMah,
      chargeMah,
      chargePerDayMah: days > 0 ? chargeMah / days : 0,
      radioOnMs: stateMs.search + stateMs.connected,
      txMs: this.txMs,
      stateMs,
      mcuActiveMs,
    };
  }

  private currentOf(state: ModemPowerState): number {
    const m = this.profile.modem;
    return { off: m.offMa, psm: m.psmMa, idle: m.idleMa, search: m.searchMa, connected: m.connectedMa }[state];
  }

  private close(atMs: number): void {
    const dt = Math.max(0, atMs - this.since);
    this.stateMs[this.state] += dt;
    this.modemChargeMaMs += dt * this.currentOf(this.state);
    this.since = Math.max(this.since, atMs);
  }
}

export interface EnergyReport {
  elapsedMs: number;
  modemMah: number;
  mcuMah: number;
  chargeMah: number;
  chargePerDayMah: number;
  /** Search + RRC connected time: the radio is really on. */
  radioOnMs: number;
  txMs: number;
  stateMs: Record<ModemPowerState, number>;
  mcuActiveMs: number;
}

/** Days a cell lasts at a given average daily charge, counting usable fraction and self-discharge. */
export function batteryLifeDays(chargePerDayMah: number, capacityMah: number, profile: EnergyProfile = BG95_TYPICAL_PROFILE): number {
  const selfPerDay = (capacityMah * profile.selfDischargePctPerYear) / 100 / 365;
  const perDay = chargePerDayMah + selfPerDay;
  return perDay > 0 ? (capacityMah * profile.usableFraction) / perDay : Infinity;
}
