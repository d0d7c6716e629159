/**
 * The billing month in headless Chromium on the demo clinic: /billing opens on this month with every report
 * row's claim readiness (the same derivation as the unit-tested module, row for row against the API's
 * report), the evidence of a row opens on demand, "Export" downloads the CSV (read back from Playwright's
 * download: the report's header and one line per report row, i.e. per exported period and management
 * month), the past exports list it with the coordinator's name, time logged after the export shows the
 * month's management row as amended, and the month picker is real URLs. axe-core: no serious or critical
 * violation.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logManagementTime } from '../../src/billing/management-repository.ts';
import { claimReadiness } from '../../dashboard/src/billing/claim-readiness.ts';
import type { ReportRow } from '../../dashboard/src/api/endpoints.ts';
import { SKIP_REASON, haveChromium, startWorkspace, type Workspace } from './workspace-fixture.ts';

let ws: Workspace | undefined;

beforeAll(async () => {
  if (!haveChromium) return console.warn(`workspace billing-month test ${SKIP_REASON}`);
  ws = await startWorkspace();
}, 600_000);

afterAll(async () => {
  await ws?.close();
});

const CSV_HEADER =
  'type,patient_reference,patient_name,body_system,practitioner,episode,period_index,start_date,end_date,month,monitored_days,device_active_days,minutes,interactive_communications,codes,serials,qualifying_dates,status,amended,amendment,checklist_missing,evidence_ref,reason';

/** Splits one RFC 4180 line into fields (the report quotes fields holding , ; or "). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') fields.push(field), (field = '');
    else field += c;
  }
  fields.push(field);
  return fields;
}

describe('billing month', () => {
  it('shows readiness per row, opens evidence, exports the CSV, lists the export and the amendment after it', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const monthName = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(new Date(`${month}-01T00:00:00Z`));
    // one patient has time logged this month, so the month has a management row to amend later
    const first = ws.fleet[0]!;
    const { rows: ids } = await ws.system.db.query<{ id: string; name: string }>('SELECT id, name FROM patients WHERE org_id = $1 AND reference = $2', [ws.orgId, first.patients[0]!.reference]);
    const timed = ids[0]!;
    await logManagementTime(ws.system.db, { patientId: timed.id, staff: ws.coordinator.name, minutes: 12, activity: 'reviewed the adherence trend', performedAt: new Date(Date.now() - 3_600_000), createdBy: 'test' });

    const { page, errors } = await ws.newPage();
    await ws.signIn(page, ws.coordinator, '/billing');
    await page.getByRole('heading', { name: `Billing month: ${monthName}` }).waitFor();
    const table = page.getByRole('table', { name: `Codes and claim readiness, ${monthName}` });
    await table.waitFor();

    // readiness on every row, as the module derives it from the API's own report
    const report = (await (await page.request.get(`${ws.baseUrl}/v1/billing/reports/${month}`)).json()) as { rows: ReportRow[] };
    expect(report.rows.length).toBeGreaterThan(5);
    const shown = await table.locator('tbody tr[data-ref]').evaluateAll((trs) => trs.map((tr) => ({ ref: tr.getAttribute('data-ref')!, readiness: tr.getAttribute('data-readiness')!, badge: tr.querySelector('[data-testid="readiness"]')?.textContent })));
    expect(shown.map((s) => s.ref)).toEqual(report.rows.map((r) => r.evidenceRef));
    expect(shown.map((s) => s.readiness)).toEqual(report.rows.map((r) => claimReadiness(r).readiness));
    expect(shown.every((s) => ['Ready', 'Missing documentation', 'Missing communication', 'Below threshold', 'Not billable'].includes(s.badge ?? ''))).toBe(true);
    const managementRef = `management_time/${timed.id}/${month}`;
    const management = table.locator(`tr[data-ref="${managementRef}"]`);
    // 12 minutes but no call this month: the code waits for an interactive communication
    expect(await management.getAttribute('data-readiness')).toBe('missing_communication');
    expect(await management.textContent()).toContain('no real-time interactive communication this month');
    const counted = await page.locator('dd[data-testid^="count-"]:not([data-testid="count-amended"])').allTextContents();
    expect(counted.map(Number).reduce((a, b) => a + b, 0)).toBe(report.rows.length);

    // evidence on demand for a supply period
    const supplyRow = table.locator('tbody tr[data-type="supply"]:not([data-readiness="below_threshold"])').first();
    const evidenceButton = supplyRow.getByRole('button', { name: /^Evidence for / });
    expect(await evidenceButton.getAttribute('aria-expanded')).toBe('false');
    await evidenceButton.click();
    expect(await evidenceButton.getAttribute('aria-expanded')).toBe('true');
    const evidence = page.locator(`#${(await evidenceButton.getAttribute('aria-controls'))!}`);
    await evidence.getByRole('heading', { name: /^Qualifying days \(\d+\)$/ }).waitFor();
    expect(await evidence.textContent()).toContain('Monitored days');
    expect(await evidence.getByRole('table').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await ws.seriousViolations(page)).toEqual([]);

    // Export downloads the CSV the API stored
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(`billing-demo-clinic-${month}.csv`);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.split('\r\n').filter((l) => l.length > 0);
    expect(lines[0]).toBe(CSV_HEADER);
    const exported = lines.slice(1).map(csvFields);
    expect(exported).toHaveLength(report.rows.length);
    const refColumn = CSV_HEADER.split(',').indexOf('evidence_ref');
    expect(exported.map((f) => f[refColumn])).toEqual(report.rows.map((r) => r.evidenceRef));
    expect(exported.every((f) => f.length === CSV_HEADER.split(',').length)).toBe(true);
    expect(exported.find((f) => f[refColumn] === managementRef)?.[2]).toBe(timed.name);
    await page.getByText(`Exported ${report.rows.length} rows.`).waitFor();

    // the export is listed with who made it
    const past = page.getByRole('table', { name: 'Past exports' });
    await expect.poll(() => past.locator('tbody tr').count()).toBe(1);
    expect(await past.locator('tbody tr').first().textContent()).toContain(ws.coordinator.name);
    expect(await past.locator('tbody tr').first().textContent()).toContain(monthName);
    await page.getByTestId('no-amendments').waitFor();

    // time logged after the export amends the month's management row
    await logManagementTime(ws.system.db, { patientId: timed.id, staff: ws.coordinator.name, minutes: 10, activity: 'called about the refill', performedAt: new Date(Date.now() - 60_000), createdBy: 'test' });
    await page.reload();
    const amended = page.getByRole('list', { name: 'Amended since export' });
    await amended.waitFor();
    expect(await amended.textContent()).toContain(timed.name);
    expect(await amended.textContent()).toContain('minutes: 12 → 22');
    expect(await page.getByTestId('count-amended').textContent()).toBe('1');
    expect(await table.locator(`tr[data-ref="${managementRef}"]`).textContent()).toContain('Amended since export');
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'billing-month');

    // the month picker is URLs
    await page.getByRole('link', { name: 'Previous month' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/billing\/\d{4}-\d{2}$/);
    const previous = new URL(page.url()).pathname.split('/')[2]!;
    await page.reload();
    expect(await page.getByLabel('Month', { exact: true }).inputValue()).toBe(previous);
    await page.getByRole('heading', { name: /^Billing month: / }).waitFor();
    expect(await ws.seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
