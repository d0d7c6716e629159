/**
 * The ingestor's config hook: after a group of uplinks is committed (and its Acks handed to the downlink),
 * push the desired config to the caps that need it:
 *   - 'hello': the group held a Hello whose configVersion differs from devices.config_version (the cap
 *     rebooted on an older config, missed the retained Config, or was reset to factory defaults: 0). Every
 *     Hello also re-derives the config, so a change the API forgot to push is caught once per boot;
 *   - 'first': the cap has no stored config yet;
 *   - 'dst':   the stored config's nextOffsetChangeUnixS has passed, so the cap needs the change after it;
 *   - 'assignment': the cap is held by another patient (or none) than its stored config was made for (an
 *     assignment made without a push, e.g. `pillcap patients enrol --serial`).
 * It never throws and never delays an Ack: errors are logged, and the next uplink retries.
 */
import { MessageKind } from '../../../protocol/src/messages.ts';
import type { Database } from '../db/database.ts';
import type { Downlink } from '../downlink/downlink.ts';
import type { UplinkOutcome } from '../repositories/uplinks.ts';
import { pushDeviceConfig, type PushDeviceConfigResult } from './config-service.ts';

export type ConfigSyncReason = 'hello' | 'first' | 'dst' | 'assignment';

interface CandidateRow {
  id: string;
  config_version: number;
  device_config_version: number | null;
  stored_version: number | null;
  next_change: string | number | null;
  stored_patient: string | null;
  current_patient: string | null;
}

export interface ConfigNeed {
  deviceId: string;
  reason: ConfigSyncReason;
  deviceVersion: number | null;
}

/**
 * Which of `deviceIds` need a push, and why (one query). `hellos` = devices whose Hello is in the group.
 * `settled` = the others' stored next offset change (null: none), for the caller's cache.
 */
export async function devicesNeedingConfig(
  db: Database,
  deviceIds: readonly string[],
  hellos: ReadonlySet<string>,
  now: Date,
): Promise<{ needing: ConfigNeed[]; settled: Map<string, number | null> }> {
  const needing: ConfigNeed[] = [];
  const settled = new Map<string, number | null>();
  if (deviceIds.length === 0) return { needing, settled };
  const { rows } = await db.query<CandidateRow>(
    `SELECT d.id, d.config_version, d.device_config_version, c.version AS stored_version,
            c.config->>'nextOffsetChangeUnixS' AS next_change, c.patient_id AS stored_patient, a.patient_id AS current_patient
       FROM devices d
       LEFT JOIN LATERAL (SELECT version, config, patient_id FROM device_configs WHERE device_id = d.id ORDER BY version DESC LIMIT 1) c ON true
       LEFT JOIN LATERAL (SELECT patient_id FROM device_assignments
                           WHERE device_id = d.id AND assigned_at <= $2 AND (unassigned_at IS NULL OR unassigned_at > $2)
                           ORDER BY assigned_at DESC LIMIT 1) a ON true
      WHERE d.id = ANY($1::uuid[])`,
    [[...new Set(deviceIds)], now],
  );
  const nowS = now.getTime() / 1000;
  for (const r of rows) {
    const deviceVersion = r.device_config_version;
    const nextChange = r.next_change === null ? null : Number(r.next_change);
    if (r.stored_version === null) needing.push({ deviceId: r.id, reason: 'first', deviceVersion });
    else if (r.stored_patient !== r.current_patient) needing.push({ deviceId: r.id, reason: 'assignment', deviceVersion });
    else if (nextChange !== null && nextChange <= nowS) needing.push({ deviceId: r.id, reason: 'dst', deviceVersion });
    else if (hellos.has(r.id)) needing.push({ deviceId: r.id, reason: 'hello', deviceVersion });
    else settled.set(r.id, nextChange);
  }
  return { needing, settled };
}

export interface ConfigSyncOptions {
  db: Database;
  downlink: Downlink;
  now: () => Date;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Called after each push (tests, metrics). */
  onPushed?: (result: PushDeviceConfigResult, reason: ConfigSyncReason) => void;
  /** Called for each push that failed or was stored but not published. */
  onFailed?: () => void;
}

/**
 * One worker per ingestor process: devices seen in committed groups accumulate while it runs, so under load
 * one query covers many groups, and config work never holds more than one database connection (a push may
 * wait for a group commit that holds the cap's row; several at once would starve the ingestor's pool).
 */
/** How long a cap's checked state is trusted without asking the database again. */
const KNOWN_TTL_MS = 60_000;

export class ConfigSync {
  /** Device id => a Hello was among its uplinks since the last round. */
  private readonly pending = new Map<string, boolean>();
  private running: Promise<void> | undefined;
  /**
   * Device id => its stored config's next offset change (null: none) and when this process last checked
   * (monotonic ms). Entries expire after KNOWN_TTL_MS so assignments made elsewhere are still noticed.
   */
  private readonly known = new Map<string, { next: number | null; at: number }>();

  constructor(private readonly o: ConfigSyncOptions) {}

  /** After a committed group. Resolves once these devices have been handled; never rejects. */
  afterCommit(outcomes: readonly UplinkOutcome[]): Promise<void> {
    for (const o of outcomes) {
      if (!o.deviceId || o.status === 'quarantined') continue;
      this.pending.set(o.deviceId, (this.pending.get(o.deviceId) ?? false) || o.kind === MessageKind.Hello);
    }
    if (!this.running && this.pending.size > 0) this.running = this.loop();
    return this.running ?? Promise.resolve();
  }

  private remember(entries: ReadonlyMap<string, number | null>): void {
    if (this.known.size > 200_000) this.known.clear();
    const at = performance.now();
    for (const [id, next] of entries) this.known.set(id, { next, at });
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const round = new Map(this.pending);
        this.pending.clear();
        await this.round(round);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async round(devices: ReadonlyMap<string, boolean>): Promise<void> {
    const now = this.o.now();
    const nowS = now.getTime() / 1000;
    // Caps whose stored config is known and current need no query (the steady state: no Hello, no DST
    // change). A stale entry (another process pushed meanwhile) costs at most one redundant push.
    const needing: ConfigNeed[] = [];
    const ask: string[] = [];
    const hellos = new Set<string>();
    const fresh = performance.now() - KNOWN_TTL_MS;
    for (const [id, hello] of devices) {
      const known = this.known.get(id);
      if (hello) hellos.add(id);
      if (hello || known === undefined || known.at < fresh) ask.push(id);
      else if (known.next !== null && known.next <= nowS) needing.push({ deviceId: id, reason: 'dst', deviceVersion: null });
    }
    try {
      const found = await devicesNeedingConfig(this.o.db, ask, hellos, now);
      needing.push(...found.needing);
      this.remember(found.settled);
    } catch (error) {
      this.o.onFailed?.();
      this.o.log('warn', `config sync failed: ${(error as Error).message}`);
      return;
    }
    for (const n of needing) {
      try {
        const result = await pushDeviceConfig(this.o.db, this.o.downlink, n.deviceId, now, {
          actor: 'ingestor',
          reason: n.reason,
          deviceVersion: n.reason === 'hello' ? (n.deviceVersion ?? undefined) : undefined,
        });
        if (result.publishError) {
          this.o.onFailed?.();
          this.o.log('warn', `config v${result.version} for ${result.serial} stored but not published: ${result.publishError}`);
        }
        this.remember(new Map([[n.deviceId, result.config.nextOffsetChangeUnixS ?? null]]));
        this.o.onPushed?.(result, n.reason);
      } catch (error) {
        this.o.onFailed?.();
        this.o.log('warn', `config push for device ${n.deviceId} (${n.reason}) failed: ${(error as Error).message}`);
      }
    }
  }
}
