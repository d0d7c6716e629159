/**
 * The program page in headless Chromium, on a real server with the demo clinic: the clinician opens the
 * program metrics of the demo's months (a URL range), every headline figure and every month row equals the
 * API's JSON, the six charts render, the coordinator filter is a URL that changes the figures to that
 * coordinator's (again equal to the API's), and the fee schedule behind expected revenue is shown.
 * axe-core finds no serious or critical violations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_DAYS } from '../../../scripts/demo/demo-fleet.ts';
import { SKIP_REASON, haveChromium, startWorkspace, type Workspace } from './workspace-fixture.ts';

let ws: Workspace | undefined;

beforeAll(async () => {
  if (!haveChromium) return console.warn(`workspace program test ${SKIP_REASON}`);
  // The demo's full length, so supply periods have closed and billing has codes to price.
  ws = await startWorkspace({ days: DEMO_DAYS });
}, 600_000);

afterAll(async () => {
  await ws?.close();
});

interface Row {
  enrolled: number;
  activated: number;
  periods: { closed: number; reached16: number | null };
  retention: { d30: { share: number | null; retained: number; eligible: number } };
  interventions: { communications: number; therapyChanges: number; perPatientMonth: number | null };
  codes: Record<string, number>;
  expectedRevenue: { amount: number; estimate: boolean };
}
interface MetricsJson {
  months: (Row & { month: string })[];
  coordinators: (Row & { coordinatorId: string | null; name: string | null })[];
  total: Row;
}

/** The month (YYYY-MM) of an instant in the clinic's zone (the browser context's zone). */
const monthOf = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago', year: 'numeric', month: '2-digit' }).format(at).slice(0, 7);
const usd = (amount: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount);
const pct = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`);
const codeList = (codes: Record<string, number>) => {
  const entries = Object.entries(codes).filter(([, units]) => units > 0);
  return entries.length === 0 ? '—' : entries.map(([code, units]) => `${code} × ${units}`).join(', ');
};

async function metricsOf(page: Page, w: Workspace, query: Record<string, string>): Promise<MetricsJson> {
  const res = await page.request.get(`${w.baseUrl}/v1/program/metrics?${new URLSearchParams(query)}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as MetricsJson;
}

/** Every figure on the page that the API states, checked against the API's JSON. */
async function expectPageShows(page: Page, m: MetricsJson) {
  const total = (metric: string) => page.getByTestId(`total-${metric}`).textContent();
  await expect.poll(() => total('enrolled')).toBe(String(m.total.enrolled));
  expect(await total('activated')).toBe(String(m.total.activated));
  expect(await total('periods-closed')).toBe(String(m.total.periods.closed));
  expect(await total('reached16')).toBe(pct(m.total.periods.reached16));
  expect(await total('retention-d30')).toBe(pct(m.total.retention.d30.share));
  expect(await total('interventions')).toBe(String(m.total.interventions.communications + m.total.interventions.therapyChanges));
  expect(await total('expected-revenue')).toBe(`${usd(m.total.expectedRevenue.amount)}${m.total.expectedRevenue.estimate ? ' (estimate)' : ''}`);
  for (const month of m.months) {
    const cell = (figure: string, metric: string) => page.locator(`[data-figure="${figure}"] tr[data-month="${month.month}"] td[data-metric="${metric}"]`).textContent();
    expect(await cell('activation', 'enrolled'), month.month).toBe(String(month.enrolled));
    expect(await cell('activation', 'activated'), month.month).toBe(String(month.activated));
    expect(await cell('monitored-days', 'periods-closed'), month.month).toBe(String(month.periods.closed));
    expect(await cell('monitored-days', 'reached16'), month.month).toBe(pct(month.periods.reached16));
    expect(await cell('retention', 'retention-d30'), month.month).toBe(`${pct(month.retention.d30.share)} (${month.retention.d30.retained} of ${month.retention.d30.eligible})`);
    expect(await cell('interventions', 'communications'), month.month).toBe(String(month.interventions.communications));
    expect(await cell('interventions', 'therapy-changes'), month.month).toBe(String(month.interventions.therapyChanges));
    expect(await cell('revenue', 'codes'), month.month).toBe(codeList(month.codes));
    expect(await cell('revenue', 'expected-revenue'), month.month).toBe(`${usd(month.expectedRevenue.amount)}${month.expectedRevenue.estimate ? ' (estimate)' : ''}`);
  }
  const coordinatorRows = page.locator('tbody tr[data-coordinator]');
  expect(await coordinatorRows.count()).toBe(m.coordinators.length);
  for (const c of m.coordinators) {
    const row = page.locator(`tbody tr[data-coordinator="${c.coordinatorId ?? 'none'}"]`);
    expect(await row.locator('td[data-metric="enrolled"]').textContent()).toBe(String(c.enrolled));
    expect(await row.locator('td[data-metric="codes"]').textContent()).toBe(codeList(c.codes));
  }
}

describe('program page', () => {
  it('shows the demo months as the API states them, by month and by coordinator, with charts and the fee schedule', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const w = ws;
    const { page, errors } = await w.newPage();
    const from = monthOf(new Date(Date.now() - DEMO_DAYS * 86_400_000));
    const to = monthOf(new Date());
    await w.signIn(page, w.clinician, `/program?from=${from}&to=${to}`);
    await page.getByRole('heading', { name: 'Program', level: 1 }).waitFor();
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(from);
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(to);

    const all = await metricsOf(page, w, { from, to });
    expect(all.months.map((m) => m.month)[0]).toBe(from);
    expect(all.months.at(-1)!.month).toBe(to);
    // the demo enrolled its patients and their caps sent data
    expect(all.total.enrolled).toBeGreaterThan(0);
    expect(all.total.activated).toBeGreaterThan(0);
    await expectPageShows(page, all);

    // six charts, each a uPlot canvas in a figure with its caption and table
    const figures = page.locator('section[data-figure] figure');
    expect(await figures.count()).toBe(6);
    for (const id of ['activation', 'monitored-days', 'retention', 'interventions', 'adherence', 'revenue']) {
      await page.locator(`[data-testid="chart-${id}"] canvas`).first().waitFor();
      expect(await page.locator(`[data-testid="chart-${id}"] figcaption`).textContent()).not.toBe('');
    }
    expect(await page.getByRole('table', { name: / by month$/ }).count()).toBe(6);

    // the fee schedule the revenue is priced at, as the API states it
    const fees = (await (await page.request.get(`${w.baseUrl}/v1/program/fee-schedule`)).json()) as { entries: { code: string; amount: number | null }[] };
    await page.getByTestId('fee-schedule').waitFor();
    for (const fee of fees.entries) {
      expect(await page.locator(`[data-testid="fee-schedule"] tr[data-code="${fee.code}"] td[data-metric="amount"]`).textContent()).toBe(fee.amount === null ? 'not priced' : usd(fee.amount));
    }
    expect(await w.seriousViolations(page)).toEqual([]);
    await w.screenshot(page, 'program');

    // by coordinator: the URL carries the choice, and the figures become that coordinator's
    await page.getByLabel('Coordinator', { exact: true }).selectOption(w.coordinator.id);
    await expect.poll(() => new URL(page.url()).searchParams.get('coordinator')).toBe(w.coordinator.id);
    const sams = await metricsOf(page, w, { from, to, coordinator: w.coordinator.id });
    await expectPageShows(page, sams);
    // the demo's care plans all name Sam Okafor as coordinator: his figures are the clinic's
    expect(sams.total.enrolled).toBe(all.total.enrolled);
    expect(sams.coordinators.map((c) => c.coordinatorId)).toEqual([w.coordinator.id]);

    await page.getByLabel('Coordinator', { exact: true }).selectOption(w.clinician.id);
    await expect.poll(() => new URL(page.url()).searchParams.get('coordinator')).toBe(w.clinician.id);
    const danas = await metricsOf(page, w, { from, to, coordinator: w.clinician.id });
    expect(danas.total.enrolled).toBe(0);
    await expectPageShows(page, danas);
    await page.reload();
    await page.getByTestId('total-enrolled').waitFor();
    expect(await page.getByLabel('Coordinator', { exact: true }).inputValue()).toBe(w.clinician.id);
    await expectPageShows(page, danas);

    await page.getByLabel('Coordinator', { exact: true }).selectOption('');
    await expect.poll(() => new URL(page.url()).searchParams.has('coordinator')).toBe(false);
    await expectPageShows(page, all);
    expect(errors).toEqual([]);
  });
});
