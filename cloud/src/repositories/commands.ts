/** Commands sent to caps through the downlink, and the results the caps report. */
import type { Queryable } from '../db/database.ts';

export type CommandState = 'sent' | 'ok' | 'failed' | 'unsupported' | 'rejected';
const STATUS_BY_CODE: Record<number, CommandState> = { 0: 'ok', 1: 'failed', 2: 'unsupported', 3: 'rejected' };

/**
 * Allocates the next command id for the device and records the command as sent. Call inside a transaction:
 * the device row is locked first so two concurrent commands cannot pick the same id (FOR NO KEY UPDATE: it
 * need not block ingest transactions' event inserts, whose foreign key takes KEY SHARE).
 */
export async function createCommand(q: Queryable, input: { deviceId: string; code: number; requestedBy: string }): Promise<number> {
  await q.query('SELECT id FROM devices WHERE id = $1 FOR NO KEY UPDATE', [input.deviceId]);
  const { rows } = await q.query<{ command_id: number }>(
    `INSERT INTO device_commands (device_id, command_id, code, requested_by)
     SELECT $1, COALESCE(max(command_id), 0) + 1, $2, $3 FROM device_commands WHERE device_id = $1
     RETURNING command_id`,
    [input.deviceId, input.code, input.requestedBy],
  );
  return rows[0]!.command_id;
}

/** Records a CommandResult; a result for a command we have no record of is kept too (code 0). */
export async function recordCommandResults(
  q: Queryable,
  results: readonly { deviceId: string; commandId: number; status: number; detail?: string; at: Date }[],
): Promise<void> {
  for (const r of results) {
    await q.query(
      `INSERT INTO device_commands (device_id, command_id, code, status, requested_by, result_at, detail)
       VALUES ($1, $2, 0, $3, 'unknown', $4, $5)
       ON CONFLICT (device_id, command_id) DO UPDATE SET status = EXCLUDED.status, result_at = EXCLUDED.result_at, detail = EXCLUDED.detail`,
      [r.deviceId, r.commandId, STATUS_BY_CODE[r.status] ?? 'failed', r.at, r.detail ?? null],
    );
  }
}

/** Marks a command failed on the cloud side (e.g. it never reached the broker); `detail` is cut to 200 characters. */
export async function markCommandFailed(q: Queryable, input: { deviceId: string; commandId: number; detail: string }): Promise<void> {
  await q.query("UPDATE device_commands SET status = 'failed', result_at = now(), detail = $3 WHERE device_id = $1 AND command_id = $2", [
    input.deviceId,
    input.commandId,
    input.detail.slice(0, 200),
  ]);
}

export interface CommandRecord {
  commandId: number;
  code: number;
  status: string;
  createdAt: Date;
  resultAt: Date | null;
  detail: string | null;
}

/** The cap's newest commands, newest first. */
export async function listRecentCommands(q: Queryable, deviceId: string, limit: number): Promise<CommandRecord[]> {
  const { rows } = await q.query<{ command_id: number; code: number; status: string; created_at: Date; result_at: Date | null; detail: string | null }>(
    `SELECT command_id, code, status, created_at, result_at, detail FROM device_commands
      WHERE device_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [deviceId, limit],
  );
  return rows.map((r) => ({ commandId: r.command_id, code: r.code, status: r.status, createdAt: r.created_at, resultAt: r.result_at, detail: r.detail }));
}
