/**
 * One measurement for the database benchmarks: wall time, Node CPU and, when the server runs on this host,
 * the CPU of this database's PostgreSQL backends (from /proc), because on a shared machine wall time mostly
 * measures the other tenants.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Queryable } from '../cloud/src/db/database.ts';

/** CPU milliseconds of this database's server processes, by pid (real PostgreSQL on this host only). */
async function backendCpu(db: Queryable): Promise<Map<number, number> | null> {
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const out = new Map<number, number>();
  for (const r of rows) {
    try {
      const fields = readFileSync(`/proc/${r.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(r.pid, (Number(fields[11]) + Number(fields[12])) * (1000 / 100)); // utime + stime, in USER_HZ (100)
    } catch {
      return null; // server on another host
    }
  }
  return out;
}

export interface Measured {
  wallMs: number;
  nodeCpuMs: number;
  pgCpuMs: number | null;
  load: string;
}

export async function measure(db: Queryable & { kind: string }, work: () => Promise<unknown>): Promise<Measured> {
  const before = db.kind === 'pg' ? await backendCpu(db) : null;
  const load0 = os.loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const after = before ? await backendCpu(db) : null;
  let pgCpuMs: number | null = null;
  if (before && after) {
    pgCpuMs = 0;
    for (const [pid, ms] of after) pgCpuMs += ms - (before.get(pid) ?? 0);
  }
  return { wallMs, nodeCpuMs: (cpu.user + cpu.system) / 1000, pgCpuMs, load: `${load0.toFixed(1)}->${os.loadavg()[0]!.toFixed(1)}` };
}

