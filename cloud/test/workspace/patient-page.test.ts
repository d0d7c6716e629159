/**
 * The patients list and the patient page in headless Chromium, on a real server with the demo clinic: the
 * coordinator finds the needs-help patient by search, reads the header (care plan, team, cap health), the
 * supply calendar (its count is the API's), the adherence and symptom charts with their table alternative,
 * acknowledges and then resolves the urgent alert with an outcome and a note (the API records it resolved),
 * marks the data reviewed (the billing status follows), and a bookmarked /patients/ID#alerts lands focused on
 * its section after a reload. axe-core finds no serious or critical violations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SKIP_REASON, haveChromium, startWorkspace, type Workspace } from './workspace-fixture.ts';

let ws: Workspace | undefined;
let patient: { id: string; reference: string; name: string; serial: string };

beforeAll(async () => {
  if (!haveChromium) return console.warn(`workspace patient-page test ${SKIP_REASON}`);
  ws = await startWorkspace();
  const cap = ws.fleet.find((c) => c.profile === 'needs-help')!;
  const demo = cap.patients[0]!;
  const row = await ws.system.db.query<{ id: string }>('SELECT id FROM patients WHERE org_id = $1 AND reference = $2', [ws.orgId, demo.reference]);
  patient = { id: row.rows[0]!.id, reference: demo.reference, name: demo.name, serial: cap.serial };
}, 600_000);

afterAll(async () => {
  await ws?.close();
});

/** An API answer through the page's own session (same cookies as the workspace). */
async function apiGet<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(`${ws!.baseUrl}${path}`);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return (await response.json()) as T;
}

describe('patient page', () => {
  it('finds a patient in the list and works their alerts, data and review on the patient page', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const { page, errors } = await ws.newPage();
    await ws.signIn(page, ws.coordinator);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('heading', { name: 'Patients', level: 1 }).waitFor();
    const rows = page.locator('.patients-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(ws.fleet.length);
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'patients');

    // the search narrows the list by reference or name
    await page.getByLabel('Search patients').fill(patient.reference.toLowerCase());
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Search patients').fill(patient.name);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(patient.serial);
    await rows.first().getByRole('link', { name: patient.name }).click();

    // header: name, reference, care plan, team and the cap's health, each in one line
    await page.getByRole('heading', { name: patient.name, level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/patients/${patient.id}`);
    expect(await page.getByTestId('patient-reference').textContent()).toBe(patient.reference);
    await expect.poll(() => page.getByTestId('care-plan').textContent()).toMatch(/doses?\/day at \d\d:\d\d/);
    expect(await page.getByTestId('care-plan').textContent()).toMatch(/Active|Awaiting consent/);
    await expect.poll(() => page.getByTestId('care-team').textContent()).toContain(ws.coordinator.name);
    expect(await page.getByTestId('care-team').textContent()).toContain(ws.clinician.name);
    await expect.poll(() => page.getByTestId('cap-health').textContent()).toMatch(/battery (\d+%|unknown)/);
    const capLine = (await page.getByTestId('cap-health').textContent())!;
    expect(capLine).toContain(patient.serial);
    expect(capLine).toMatch(/last seen .*ago/);
    expect(capLine).toMatch(/signal (excellent|good|fair|poor|unknown)/);

    // every section the work queue links to, each with its heading
    for (const id of ['summary', 'alerts', 'calendar', 'data', 'time', 'communication', 'therapy', 'documentation', 'billing']) {
      expect(await page.locator(`section#${id} h2`).count(), id).toBe(1);
    }

    // the calendar's count is the API's count for the current supply period
    const calendar = await apiGet<{ asOfDate: string; periods: { startDate: string; endDate: string; monitoredDays: number }[] }>(page, `/v1/patients/${patient.id}/monitored-days`);
    const current = calendar.periods.find((p) => p.startDate <= calendar.asOfDate && calendar.asOfDate <= p.endDate)!;
    await expect.poll(() => page.getByTestId('calendar-count').textContent()).toBe(`${current.monitoredDays} / 30`);
    expect(await page.locator('#calendar .calendar .day.monitored').count()).toBe(current.monitoredDays);
    expect(await page.getByTestId('calendar-tier').textContent()).toMatch(/tier|supply code/);

    // adherence and symptoms: two canvases in one captioned figure, and a table of the days as the alternative
    const figure = page.locator('#data figure');
    await figure.locator('canvas').first().waitFor();
    expect(await figure.locator('canvas').count()).toBeGreaterThanOrEqual(2);
    expect(await figure.locator('figcaption').textContent()).toContain("dashed lines mark the regimen's dose times");
    await page.getByText('Table of the days').click();
    const dayRows = page.getByTestId('adherence-table').locator('tbody tr');
    const adherence = await apiGet<{ days: { date: string }[] }>(page, `/v1/patients/${patient.id}/adherence`);
    expect(await dayRows.count()).toBe(adherence.days.length);
    const lastDay = adherence.days[adherence.days.length - 1]!.date;
    expect(await page.getByTestId('adherence-table').locator(`tr[data-date="${lastDay}"]`).count()).toBe(1);
    // per week: the same days in 7-day blocks, the latest block whole
    await page.getByLabel('Group adherence by').selectOption('week');
    await page.getByText('Table of the weeks').waitFor();
    await expect.poll(() => dayRows.count()).toBe(Math.ceil(adherence.days.length / 7));
    expect(await page.getByTestId('adherence-table').locator('thead').textContent()).toContain('Week');
    await page.getByLabel('Group adherence by').selectOption('day');

    // the needs-help press raised an urgent alert: acknowledge it, then resolve it with an outcome and a note
    const alertCards = page.locator('#alerts .alert-card');
    await alertCards.first().waitFor();
    const urgent = page.locator('#alerts .alert-card.severity-urgent').first();
    const alertId = (await urgent.getAttribute('data-alert-id'))!;
    const title = (await urgent.locator('.alert-title').textContent())!;
    expect(await urgent.textContent()).toMatch(/Raised.*\(patient's time\)/);
    await urgent.getByRole('button', { name: `Acknowledge ${title}`, exact: true }).click();
    const card = page.locator(`#alerts .alert-card[data-alert-id="${alertId}"]`);
    await expect.poll(() => card.locator('.alert-head').textContent()).toContain('Acknowledged');
    expect(await card.textContent()).toContain(`by ${ws.coordinator.name}`);
    expect(await card.getByRole('button', { name: /^Acknowledge/ }).count()).toBe(0);
    await card.getByRole('button', { name: `Resolve ${title}`, exact: true }).click();
    await card.getByLabel('Outcome').selectOption('contacted_patient');
    await card.getByLabel('Note').fill('Called the patient: inhaler technique reviewed, feeling better.');
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'patient-alerts');
    await card.getByRole('button', { name: 'Confirm resolution' }).click();
    await expect.poll(() => card.count()).toBe(0);
    const resolved = await apiGet<{ status: string; outcome: string; note: string; closedBy: string }>(page, `/v1/alerts/${alertId}`);
    expect(resolved).toMatchObject({ status: 'resolved', outcome: 'contacted_patient', note: 'Called the patient: inhaler technique reviewed, feeling better.', closedBy: ws.coordinator.id });

    // mark the data reviewed: who and when shows, and the billing status counts it
    const dataReviewRow = page.getByTestId('month-codes').locator('tr[data-code="Data review"]');
    await dataReviewRow.waitFor();
    const reviewedBefore = await dataReviewRow.getAttribute('data-state');
    await page.getByRole('button', { name: `Mark data reviewed for ${patient.name}`, exact: true }).click();
    await expect.poll(() => page.getByTestId('data-review').textContent()).toContain(`Reviewed by ${ws.coordinator.name}`);
    expect(await page.getByTestId('data-review').textContent()).toContain("(patient's time)");
    await expect.poll(() => dataReviewRow.getAttribute('data-state')).toBe('met');
    if (reviewedBefore === 'met') expect(await dataReviewRow.textContent()).toMatch(/\d+ reviews/);

    // the billing status names every code with what is still missing
    const periodCodes = page.getByTestId('period-codes');
    expect(await periodCodes.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await periodCodes.locator('tr[data-code="98975"]').count()).toBe(1);
    const monthCodes = page.getByTestId('month-codes');
    for (const code of ['98979', '98980', '98981', 'Documentation']) expect(await monthCodes.locator(`tr[data-code="${code}"]`).count(), code).toBe(1);
    const management = await apiGet<{ management: { minutes: number; interactiveCommunications: number } }>(page, `/v1/patients/${patient.id}/documentation/${await monthOfPatient(page)}`);
    const row98980 = (await monthCodes.locator('tr[data-code="98980"]').textContent())!;
    if (management.management.minutes < 20) expect(row98980).toContain(`${20 - management.management.minutes} more minutes`);
    if (management.management.interactiveCommunications === 0) expect(row98980).toContain('no interactive communication');
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'patient-page');

    // a bookmarked fragment: reload lands on the alerts section, focused, with the resolved alert gone
    await page.goto(`${ws.baseUrl}/patients/${patient.id}#alerts`);
    await page.getByRole('heading', { name: patient.name, level: 1 }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('alerts');
    await expect.poll(async () => Math.abs((await page.locator('section#alerts').boundingBox())!.y)).toBeLessThan(40);
    await page.locator('#alerts .alert-card, #alerts [data-testid="no-alerts"]').first().waitFor();
    expect(await page.locator(`#alerts .alert-card[data-alert-id="${alertId}"]`).count()).toBe(0);

    // the deepest section too: it stays in view while the charts and panels above it finish loading
    await page.goto(`${ws.baseUrl}/patients/${patient.id}#billing`);
    await page.getByTestId('month-codes').waitFor();
    await page.locator('#data figure canvas').first().waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('billing');
    // the last section cannot scroll above the page's end: its top is in the upper half of the window
    const billingTop = async () => (await page.locator('section#billing').boundingBox())!.y;
    await expect
      .poll(async () => {
        const y = await billingTop();
        return y >= 0 && y < 450;
      })
      .toBe(true);
    expect(errors).toEqual([]);
  });

  it('says so when the patient does not exist', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const { page, errors } = await ws.newPage();
    await ws.signIn(page, ws.coordinator, '/patients/00000000-0000-4000-8000-000000000000');
    await page.getByRole('heading', { name: 'Patient not found' }).waitFor();
    expect(await ws.seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

/** The patient-local month the page shows (the documentation heading says it). */
async function monthOfPatient(page: Page): Promise<string> {
  const zone = (await apiGet<{ timeZone: string }>(page, `/v1/patients/${patient.id}`)).timeZone;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}
