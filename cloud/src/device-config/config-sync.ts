/**
 * The ingestor's config hook: after a group of uplinks is committed (and its Acks handed to the downlink),
 * push the desired config to the caps that need it:
 *   - 'hello': the group held a Hello whose configVersion differs from devices.config_version (the cap
 *     rebooted on an older config, missed the retained Config, or was reset to factory defaults: 0). Every
 *     Hello also re-derives the config, so a change the API forgot to push is caught once per boot;
 *   - 'first': the cap has no stored config yet;
 *   - 'dst':   the stored config's nextOffsetChangeUnixS has passed, so the cap needs the change after it.
 * It never throws and never delays an Ack: errors are logged, and the next uplink retries.
 */
import { MessageKind } from '../../../protocol/src/messages.ts';
import type { Database } from '../db/database.ts';
import type { Downlink } from '../downlink/downlink.ts';
import type { UplinkOutcome } from '../repositories/uplinks.ts';
import { pushDeviceConfig, type PushDeviceConfigResult } from './config-service.ts';

export type ConfigSyncReason = 'hello' | 'first' | 'dst';

interface CandidateRow {
  id: string;
  config_version: number;
  device_config_version: number | null;
  stored_version: number | null;
  next_change: string | number | null;
}

/** Which of `deviceIds` need a push, and why (one query). `hellos` = devices whose Hello is in the group. */
export async function devicesNeedingConfig(
  db: Database,
  deviceIds: readonly string[],
  hellos: ReadonlySet<string>,
  now: Date,
): Promise<{ deviceId: string; reason: ConfigSyncReason; deviceVersion: number | null }[]> {
  if (deviceIds.length === 0) return [];
  const { rows } = await db.query<CandidateRow>(
    `SELECT d.id, d.config_version, d.device_config_version, c.version AS stored_version,
            c.config->>'nextOffsetChangeUnixS' AS next_change
       FROM devices d
       LEFT JOIN LATERAL (SELECT version, config FROM device_configs WHERE device_id = d.id ORDER BY version DESC LIMIT 1) c ON true
      WHERE d.id = ANY($1::uuid[])`,
    [[...new Set(deviceIds)]],
  );
  const nowS = now.getTime() / 1000;
  const out: { deviceId: string; reason: ConfigSyncReason; deviceVersion: number | null }[] = [];
  for (const r of rows) {
    const deviceVersion = r.device_config_version;
    if (r.stored_version === null) out.push({ deviceId: r.id, reason: 'first', deviceVersion });
    else if (r.next_change !== null && Number(r.next_change) <= nowS) out.push({ deviceId: r.id, reason: 'dst', deviceVersion });
    else if (hellos.has(r.id)) out.push({ deviceId: r.id, reason: 'hello', deviceVersion });
  }
  return out;
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
export class ConfigSync {
  /** Device id => a Hello was among its uplinks since the last round. */
  private readonly pending = new Map<string, boolean>();
  private running: Promise<void> | undefined;

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
    let needing: Awaited<ReturnType<typeof devicesNeedingConfig>>;
    try {
      const hellos = new Set([...devices].filter(([, hello]) => hello).map(([id]) => id));
      needing = await devicesNeedingConfig(this.o.db, [...devices.keys()], hellos, now);
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
        this.o.onPushed?.(result, n.reason);
      } catch (error) {
        this.o.onFailed?.();
        this.o.log('warn', `config push for device ${n.deviceId} (${n.reason}) failed: ${(error as Error).message}`);
      }
    }
  }
}
