/**
 * pillcap billing export --month YYYY-MM [--org <slug>] [--format csv|json] [--dry-run] [--out <file>]
 * pillcap billing recompute [--org <slug>] [--rebuild-days]
 *
 * Builds the month's billing report (C2's engine) and, unless --dry-run, records it as an export: closed
 * periods are snapshotted so data arriving later flags them as amended instead of changing the export.
 * Without --org every organisation with patients is exported (CSV: one block per organisation, each after a
 * `# organisation: <slug>` line; JSON: an array).
 *
 * `recompute` refreshes the stored period records (status, counts, codes, dates, serials, amendments) of every
 * patient of the organisation(s) from the monitored days; with --rebuild-days it first rebuilds the days from
 * the raw events and heartbeats (after a change to the organisation's billing policy, or a repair).
 */
import { writeFile } from 'node:fs/promises';
import { buildMonthlyReport, markExported } from '../billing/monthly-report.ts';
import { listOrganisationPatientIds } from '../billing/billing-repository.ts';
import { recomputePatientsInBatches, recomputePeriodsInBatches } from '../billing/recompute-patient.ts';
import type { Database } from '../db/database.ts';
import { findOrganisationBySlug, listOrganisationsWithPatients } from '../repositories/organisations.ts';
import { cliActor, parseUsage, processIo, runActions, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap billing export --month YYYY-MM [--org <slug>] [--format csv|json] [--dry-run] [--out <file>]
  pillcap billing recompute [--org <slug>] [--rebuild-days]
      refreshes the stored period records from the monitored days (every organisation without --org);
      --rebuild-days first rebuilds the days from raw events (after a billing policy change or a repair)
`;

/** The organisation named by --org, else every organisation with patients. */
async function organisationsOf(db: Database, slug: string | undefined): Promise<{ id: string; slug: string }[]> {
  if (!slug) return listOrganisationsWithPatients(db);
  const found = await findOrganisationBySlug(db, slug);
  if (!found) throw new Error(`no organisation "${slug}"`);
  return [{ id: found.id, slug: found.slug }];
}

async function recompute(rest: string[], io: CliIo): Promise<number> {
  const { values } = parseUsage({ args: rest, options: { org: { type: 'string' }, 'rebuild-days': { type: 'boolean' } }, strict: true });
  return withDatabase(io, async (db) => {
    for (const org of await organisationsOf(db, values.org)) {
      const ids = await listOrganisationPatientIds(db, org.id);
      const t0 = performance.now();
      const result = values['rebuild-days'] ? await recomputePatientsInBatches(db, ids) : await recomputePeriodsInBatches(db, ids);
      const what = values['rebuild-days'] ? 'days rebuilt, ' : '';
      io.stdout(`${org.slug}: ${result.patients} patient(s), ${what}${result.periods} period record(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    return 0;
  });
}

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runActions(io, USAGE, args, { export: (rest) => exportMonth(rest, io), recompute: (rest) => recompute(rest, io) });
}

async function exportMonth(rest: string[], io: CliIo): Promise<number> {
  const { values } = parseUsage({
    args: rest,
    options: { month: { type: 'string' }, org: { type: 'string' }, format: { type: 'string' }, 'dry-run': { type: 'boolean' }, out: { type: 'string' } },
    strict: true,
  });
  const month = values.month;
  if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError('--month YYYY-MM is required');
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');

  return withDatabase(io, async (db) => {
    const orgs = await organisationsOf(db, values.org);
    const actor = cliActor();
    const outputs: { slug: string; csv: string; json: unknown }[] = [];
    for (const org of orgs) {
      if (values['dry-run']) {
        const report = await buildMonthlyReport(db, { orgId: org.id, month });
        outputs.push({ slug: org.slug, csv: report.csv, json: report.json });
        io.stderr(`${org.slug} ${month}: ${report.rows.length} row(s) (dry run, nothing recorded)\n`);
      } else {
        const result = await markExported(db, org.id, month, actor);
        outputs.push({ slug: org.slug, csv: result.csv, json: { ...result.json, exportId: result.exportId } });
        io.stderr(`${org.slug} ${month}: export #${result.exportId}, ${result.rows.length} row(s), ${result.exportedPeriods} period(s) snapshotted, ${result.openPeriods} still open\n`);
      }
    }
    let text: string;
    if (format === 'json') text = `${JSON.stringify(values.org ? outputs[0]?.json ?? null : outputs.map((o) => o.json), null, 2)}\n`;
    else if (values.org) text = outputs[0]?.csv ?? '';
    else text = outputs.map((o) => `# organisation: ${o.slug}\r\n${o.csv}`).join('');
    if (values.out) {
      await writeFile(values.out, text, 'utf8');
      io.stderr(`wrote ${values.out}\n`);
    } else {
      io.stdout(text);
    }
    return 0;
  });
}
