/**
 * pillcap billing export --month YYYY-MM [--org <slug>] [--format csv|json] [--dry-run] [--out <file>]
 *
 * Builds the month's billing report (C2's engine) and, unless --dry-run, records it as an export: closed
 * periods are snapshotted so data arriving later flags them as amended instead of changing the export.
 * Without --org every organisation with patients is exported (CSV: one block per organisation, each after a
 * `# organisation: <slug>` line; JSON: an array).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildMonthlyReport, markExported } from '../billing/monthly-report.ts';
import { findOrganisationBySlug, listOrganisationsWithPatients } from '../repositories/organisations.ts';
import { cliActor, processIo, runCommand, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap billing export --month YYYY-MM [--org <slug>] [--format csv|json] [--dry-run] [--out <file>]
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runCommand(io, USAGE, async () => {
    const [action, ...rest] = args;
    if (action === '--help' || action === '-h') {
      io.stdout(USAGE);
      return 0;
    }
    if (action !== 'export') throw new UsageError(action ? `unknown action "${action}"` : 'missing action');
    let values;
    try {
      values = parseArgs({
        args: rest,
        options: { month: { type: 'string' }, org: { type: 'string' }, format: { type: 'string' }, 'dry-run': { type: 'boolean' }, out: { type: 'string' } },
        strict: true,
      }).values;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const month = values.month;
    if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError('--month YYYY-MM is required');
    const format = values.format ?? 'csv';
    if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');

    return withDatabase(io, async (db) => {
      let orgs: { id: string; slug: string }[];
      if (values.org) {
        const found = await findOrganisationBySlug(db, values.org);
        if (!found) throw new Error(`no organisation "${values.org}"`);
        orgs = [{ id: found.id, slug: found.slug }];
      } else {
        orgs = await listOrganisationsWithPatients(db);
      }
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
  });
}
