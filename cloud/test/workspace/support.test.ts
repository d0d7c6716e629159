/**
 * The support view in headless Chromium, on a real server with the simulated demo fleet: the support engineer
 * (fleet operator) lands on the fleet list, worst first, where the demo's silent and low-battery caps sit near
 * the top with the verdicts their own diagnostics give; counts per kind of trouble match the API, the filter is
 * a URL; no patient name or reference appears in the page or in the fleet JSON; a cap's page shows its verdict,
 * charts and events, and a confirmed command is accepted. A coordinator has no Support navigation and gets 403
 * from the fleet endpoint. axe-core finds no serious or critical violations on either page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_DAYS } from '../../../scripts/demo/demo-fleet.ts';
import { SKIP_REASON, haveChromium, startWorkspace, type Workspace } from './workspace-fixture.ts';

let ws: Workspace | undefined;

interface FleetJson {
  total: number;
  matching: number;
  windowDays: number;
  counts: Record<string, number>;
  caps: { serial: string; status: string; troubles: string[]; primary: { code: string; title: string } }[];
}

beforeAll(async () => {
  if (!haveChromium) return console.warn(`workspace support test ${SKIP_REASON}`);
  // The demo's full length: its low-battery cap, which left the pharmacy nearly flat, is under 3.5 V by then.
  ws = await startWorkspace({ days: DEMO_DAYS });
}, 600_000);

afterAll(async () => {
  await ws?.close();
});

/** Every demo patient's name and reference, as patterns that do not match inside a cap serial (PC-DEMO-0012). */
function patientIdentities(w: Workspace): RegExp[] {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return w.fleet.flatMap((cap) => cap.patients).flatMap((p) => [new RegExp(escape(p.name)), new RegExp(`(?<![\\w-])${escape(p.reference)}(?!\\w)`)]);
}

function expectNoPatientIdentity(w: Workspace, text: string) {
  for (const identity of patientIdentities(w)) expect(text, `found ${identity} in support's view`).not.toMatch(identity);
}

const rowSerials = (page: Page) => page.locator('.fleet-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-serial')));

describe('support view', () => {
  it('lands the support engineer on the fleet list, worst first, with verdicts, counts and no patient identity', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const w = ws;
    const { page, errors } = await w.newPage();
    await w.signIn(page, w.support);
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/support');
    await page.getByRole('table', { name: 'Caps by trouble, worst first' }).waitFor();

    const res = await page.request.get(`${w.baseUrl}/v1/support/fleet`);
    expect(res.status()).toBe(200);
    const body = await res.text();
    const fleet = JSON.parse(body) as FleetJson;
    expect(fleet.total).toBe(w.fleet.length);
    expect(await rowSerials(page)).toEqual(fleet.caps.map((c) => c.serial));

    // the demo's silent and low-battery caps are near the top, with their verdicts
    const silent = w.fleet.find((c) => c.profile === 'silent')!.serial;
    const lowBattery = w.fleet.find((c) => c.profile === 'low-battery')!.serial;
    const order = fleet.caps.map((c) => c.serial);
    expect(order.indexOf(silent), `${silent} in ${order.join(' ')}`).toBeLessThan(5);
    expect(order.indexOf(lowBattery), `${lowBattery} in ${order.join(' ')}`).toBeLessThan(8);
    const silentCap = fleet.caps.find((c) => c.serial === silent)!;
    expect(silentCap.troubles).toContain('silent');
    expect(silentCap.primary.code).toMatch(/^silent/);
    const lowCap = fleet.caps.find((c) => c.serial === lowBattery)!;
    expect(lowCap.troubles).toContain('battery');
    const silentRow = page.locator(`tr[data-serial="${silent}"]`);
    expect(await silentRow.locator('td.verdict-cell').getAttribute('data-verdict')).toBe(silentCap.primary.code);
    expect(await silentRow.textContent()).toContain(silentCap.primary.title);
    expect(await silentRow.locator('[data-trouble="silent"]').count()).toBe(1);
    expect(await page.locator(`tr[data-serial="${lowBattery}"] [data-trouble="battery"]`).count()).toBe(1);

    // counts per kind of trouble are the API's
    for (const kind of ['silent', 'battery', 'signal', 'clock', 'reboots', 'data', 'healthy']) {
      expect(Number(await page.getByTestId(`count-${kind}`).textContent()), kind).toBe(fleet.counts[kind]);
    }
    expect(Number(await page.getByTestId('count-all').textContent())).toBe(fleet.total);
    expect(fleet.counts.silent).toBeGreaterThanOrEqual(1);
    expect(fleet.counts.battery).toBeGreaterThanOrEqual(1);

    // never any patient identity, in the page or in the JSON behind it
    expectNoPatientIdentity(w, body);
    expect(body).not.toMatch(/patient/i);
    expectNoPatientIdentity(w, await page.locator('body').innerText());
    expect(await w.seriousViolations(page)).toEqual([]);
    await w.screenshot(page, 'support-fleet');

    // the filter is a URL, and keeps the counts of the whole fleet
    await page.getByLabel('Trouble', { exact: true }).selectOption('silent');
    await expect.poll(() => new URL(page.url()).searchParams.get('trouble')).toBe('silent');
    await expect.poll(async () => (await rowSerials(page)).length).toBe(fleet.counts.silent);
    expect(await page.locator('.fleet-table tbody tr:not(:has([data-trouble="silent"]))').count()).toBe(0);
    expect(await rowSerials(page)).toContain(silent);
    await page.reload();
    await page.getByRole('table', { name: 'Caps by trouble, worst first' }).waitFor();
    expect(await page.getByLabel('Trouble', { exact: true }).inputValue()).toBe('silent');
    expect(Number(await page.getByTestId('count-battery').textContent())).toBe(fleet.counts.battery);
    expect(errors).toEqual([]);
  });

  it("opens a cap's diagnostics and sends it a confirmed command", async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const w = ws;
    const { page, errors } = await w.newPage();
    await w.signIn(page, w.support);
    await page.getByRole('table', { name: 'Caps by trouble, worst first' }).waitFor();
    const serial = w.fleet.find((c) => c.profile === 'low-battery')!.serial;
    await page.getByRole('link', { name: serial, exact: true }).click();
    await page.getByRole('heading', { name: `Cap ${serial}`, level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/support/caps/${serial}`);
    await page.getByTestId('verdict').waitFor();

    const diag = (await (await page.request.get(`${w.baseUrl}/v1/devices/${serial}/diagnostics`)).json()) as { diagnosis: { primary: { code: string; title: string } }; history: unknown[] };
    expect(await page.getByTestId('verdict').getAttribute('data-verdict')).toBe(diag.diagnosis.primary.code);
    expect(await page.getByRole('heading', { name: diag.diagnosis.primary.title, level: 2 }).count()).toBe(1);
    expect(await page.getByTestId('verdict').textContent()).toContain('Tell the caller');
    // the old support view's facts and charts are all here
    const facts = await page.getByTestId('facts').innerText();
    for (const fact of ['Last seen', 'Signal', 'Battery', 'Queue', 'Uploads', 'Missing events', 'Unexpected reboots', 'Power losses', 'Clock corrections', 'Firmware']) expect(facts).toContain(fact);
    expect(diag.history.length).toBeGreaterThan(0);
    await page.locator('[data-testid="signal-chart"] canvas').first().waitFor();
    await page.locator('[data-testid="battery-chart"] canvas').first().waitFor();
    await page.getByRole('heading', { name: 'Restarts' }).waitFor();
    expectNoPatientIdentity(w, await page.locator('body').innerText());
    expect(await w.seriousViolations(page)).toEqual([]);

    // a command asks first; cancel sends nothing
    await page.getByRole('button', { name: 'Reboot', exact: true }).click();
    await page.getByTestId('confirm-command').waitFor();
    expect(await page.getByTestId('confirm-command').textContent()).toContain(`Send “Reboot” to ${serial}?`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('confirm-command').count()).toBe(0);

    await page.getByRole('button', { name: 'Ping', exact: true }).click();
    await page.getByRole('button', { name: 'Send ping' }).click();
    await expect.poll(() => page.getByTestId('command-status').textContent()).toMatch(new RegExp(`Ping sent to ${serial} as command #\\d+`));
    const commandId = Number((await page.getByTestId('command-status').textContent())!.match(/#(\d+)/)![1]);
    await page.locator(`[data-testid="command-history"] tr[data-command-id="${commandId}"]`).waitFor();
    expect(await page.locator(`[data-testid="command-history"] tr[data-command-id="${commandId}"]`).textContent()).toContain('Ping');
    const stored = await w.system.db.query<{ code: number; requested_by: string }>('SELECT c.code, c.requested_by FROM device_commands c JOIN devices d ON d.id = c.device_id WHERE d.serial = $1 AND c.command_id = $2', [serial, commandId]);
    expect(stored.rows[0]).toEqual({ code: 1, requested_by: `user:${w.support.id}` });
    expect(await w.seriousViolations(page)).toEqual([]);
    await w.screenshot(page, 'support-cap');

    // a serial typed in from a caller opens the same page; an unknown one says so
    await page.getByRole('link', { name: '← All caps' }).click();
    await page.getByLabel('Cap serial').fill('pc-nope-0000');
    await page.getByRole('button', { name: 'Open cap' }).click();
    await page.getByRole('heading', { name: 'Cap PC-NOPE-0000', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('No cap PC-NOPE-0000 in your fleet');
    expect(errors).toEqual([]);
  });

  it('gives a coordinator no Support navigation and a 403 from the fleet endpoint', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const w = ws;
    const { page, errors } = await w.newPage();
    await w.signIn(page, w.coordinator);
    await page.getByRole('heading', { name: 'Work queue' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Support' }).count()).toBe(0);
    expect((await page.request.get(`${w.baseUrl}/v1/support/fleet`)).status()).toBe(403);
    await page.goto(`${w.baseUrl}/support`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(errors).toEqual([]);
  });
});
