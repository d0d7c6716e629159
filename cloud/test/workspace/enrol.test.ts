/**
 * Enrolment in headless Chromium on the demo clinic: the coordinator enrols a patient through the whole form
 * (patient, regimen, care team, consent), sees an API validation error beside its field first, assigns the
 * clinic's one free cap from stock and watches the activation say "waiting for first data"; a second
 * patient, with no cap left in stock, gets "ship a cap" recorded. Both are in the API's patient list and in
 * the enrolments not yet active; axe-core finds no serious or critical violation on any state of the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerDevice } from '../../src/repositories/devices.ts';
import { SKIP_REASON, haveChromium, startWorkspace, type Workspace } from './workspace-fixture.ts';

let ws: Workspace | undefined;
const SPARE = 'SPARE-ENROL-0001';

beforeAll(async () => {
  if (!haveChromium) return console.warn(`workspace enrol test ${SKIP_REASON}`);
  ws = await startWorkspace();
  // the demo fleet's caps are all assigned: the clinic gets one spare in stock
  await registerDevice(ws.system.db, { serial: SPARE, orgId: ws.orgId });
}, 600_000);

afterAll(async () => {
  await ws?.close();
});

const status = (page: Page) => page.getByTestId('activation-status').first();

async function fillPatient(page: Page, p: { reference: string; name: string; zone: string; category: string; start: string; diagnosis: string }) {
  await page.getByLabel('Patient reference (MRN)').fill(p.reference);
  await page.getByLabel('Full name').fill(p.name);
  await page.getByLabel('Time zone', { exact: true }).fill(p.zone);
  await page.getByLabel('RTM category').selectOption(p.category);
  await page.getByLabel('Monitoring start').fill(p.start);
  await page.getByLabel('Diagnosis (optional)').fill(p.diagnosis);
}

describe('enrolment', () => {
  it('enrols a patient through the form, assigns a cap from stock and shows the activation', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const { page, errors } = await ws.newPage();
    await ws.signIn(page, ws.coordinator, '/enrol');
    await page.getByRole('heading', { name: 'Enrol a patient' }).waitFor();
    await page.getByRole('heading', { name: 'New patient' }).waitFor();
    expect(await ws.seriousViolations(page)).toEqual([]);

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Denver' }).format(new Date());
    await fillPatient(page, { reference: 'ENR-WEB-1', name: 'Olive Enrolled', zone: 'Mars/Olympus_Mons', category: 'musculoskeletal', start: today, diagnosis: 'M17.11 osteoarthritis, right knee' });
    await page.getByLabel('Monitors').selectOption('both');
    await page.getByLabel('Doses per day').fill('2');
    await page.getByLabel('Dose 1 time').fill('07:30');
    await page.getByLabel('Dose 2 time').fill('19:30');
    await page.getByLabel('Tolerance (minutes either side)').fill('90');
    await page.getByLabel("Patient's goal (optional)").fill('Walk to the shop without pain');
    await page.getByLabel('Clinical owner').selectOption(ws.clinician.id);
    await page.getByLabel('Coordinator').selectOption(ws.coordinator.id);
    expect(await page.getByLabel('Consent given by').inputValue()).toBe('Olive Enrolled');
    await page.getByLabel('Consent method').selectOption('written');

    // the API refuses the zone: its message sits beside the field, and nothing was enrolled
    await page.getByRole('button', { name: 'Enrol patient' }).click();
    await page.getByTestId('error-timeZone').waitFor();
    expect(await page.getByTestId('error-timeZone').textContent()).toContain('IANA time zone');
    expect(await page.getByLabel('Time zone', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await ws.seriousViolations(page)).toEqual([]);

    await page.getByLabel('Time zone', { exact: true }).fill('America/Denver');
    await page.getByRole('button', { name: 'Enrol patient' }).click();
    await page.getByRole('heading', { name: /^Olive Enrolled/ }).waitFor();
    const patientId = new URL(page.url()).searchParams.get('patient')!;
    expect(patientId).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => status(page).getAttribute('data-status')).toBe('awaiting_cap');
    expect(await page.getByTestId('patient-link').getAttribute('href')).toBe(`/patients/${patientId}`);

    // everything the form held reached the patient and the care plan
    const patient = await (await page.request.get(`${ws.baseUrl}/v1/patients/${patientId}`)).json();
    expect(patient).toMatchObject({ reference: 'ENR-WEB-1', name: 'Olive Enrolled', timeZone: 'America/Denver', bodySystem: 'musculoskeletal', monitoringStart: today, diagnosis: 'M17.11 osteoarthritis, right knee' });
    expect(patient.billingPractitioner).toContain(ws.clinician.name);
    const plan = await (await page.request.get(`${ws.baseUrl}/v1/patients/${patientId}/care-plan`)).json();
    expect(plan).toMatchObject({
      status: 'active', monitors: 'both', dosesPerDay: 2, doseTimes: ['07:30', '19:30'], toleranceMinutes: 90, category: 'musculoskeletal',
      clinicalOwnerId: ws.clinician.id, coordinatorId: ws.coordinator.id, goal: 'Walk to the shop without pain',
      consent: { by: 'Olive Enrolled', method: 'written', recordedBy: ws.coordinator.id },
    });
    expect(Date.now() - Date.parse(plan.consent.at)).toBeLessThan(30 * 60_000);
    expect(await ws.seriousViolations(page)).toEqual([]);

    // the spare is the clinic's only free cap
    const stock = page.getByLabel('Cap from stock', { exact: true });
    await stock.waitFor();
    expect((await stock.locator('option').allTextContents()).filter((o) => o.startsWith(SPARE))).toHaveLength(1);
    await stock.selectOption(SPARE);
    await page.getByRole('button', { name: 'Assign cap' }).click();
    await expect.poll(() => status(page).getAttribute('data-status')).toBe('waiting_for_first_data');
    expect(await status(page).textContent()).toBe('Cap assigned, waiting for first data');
    expect(await page.getByRole('list', { name: 'Activation steps' }).textContent()).toContain(`${SPARE}, assigned`);
    expect(await page.getByLabel('Cap from stock', { exact: true }).count()).toBe(0);
    const pending = page.getByTestId('pending-enrolments');
    await expect.poll(() => pending.locator('tr[data-reference="ENR-WEB-1"]').textContent()).toContain('waiting for first data');
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'enrol');

    // a reload keeps the enrolment in progress (its URL)
    await page.reload();
    await expect.poll(() => status(page).getAttribute('data-status')).toBe('waiting_for_first_data');
    expect(errors).toEqual([]);
  });

  it('records "ship a cap" when the stock is empty, and both patients are in the patient list', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const { page, errors } = await ws.newPage();
    await ws.signIn(page, ws.coordinator, '/enrol');
    await page.getByRole('heading', { name: 'New patient' }).waitFor();
    await fillPatient(page, { reference: 'ENR-WEB-2', name: 'Pete Shipped', zone: 'America/New_York', category: 'respiratory', start: '2026-12-01', diagnosis: 'J45.40 moderate persistent asthma' });
    await page.getByLabel('Doses per day').fill('1');
    await page.getByLabel('Dose 1 time').fill('09:00');
    await page.getByLabel('Clinical owner').selectOption(ws.clinician.id);
    await page.getByLabel('Coordinator').selectOption(ws.coordinator.id);
    await page.getByLabel('Consent method').selectOption('verbal');
    await page.getByRole('button', { name: 'Enrol patient' }).click();
    await page.getByRole('heading', { name: /^Pete Shipped/ }).waitFor();
    await page.getByTestId('no-stock').waitFor();

    // an empty note is refused beside its field
    await page.getByRole('button', { name: 'Ship a cap' }).click();
    await page.getByTestId('error-ship-note').waitFor();
    await page.getByLabel('Shipping address or note').fill('14 Harbor Rd, Apt 2, Boston MA 02110; leave with the concierge');
    await page.getByRole('button', { name: 'Ship a cap' }).click();
    await page.getByRole('list', { name: 'Cap shipments requested' }).waitFor();
    expect(await page.getByRole('list', { name: 'Cap shipments requested' }).textContent()).toContain('Sam Okafor: 14 Harbor Rd, Apt 2');
    await expect.poll(() => page.getByRole('list', { name: 'Activation steps' }).textContent()).toContain('shipment requested by Sam Okafor');
    expect(await status(page).getAttribute('data-status')).toBe('awaiting_cap');
    const pending = page.getByTestId('pending-enrolments');
    await expect.poll(() => pending.locator('tr[data-reference="ENR-WEB-2"]').textContent()).toContain('Awaiting cap');
    expect(await pending.locator('tr[data-reference="ENR-WEB-1"]').count()).toBe(1);
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'enrol-ship-a-cap');

    const list = await (await page.request.get(`${ws.baseUrl}/v1/patients?limit=200`)).json();
    const references = list.patients.map((p: { reference: string }) => p.reference);
    expect(references).toEqual(expect.arrayContaining(['ENR-WEB-1', 'ENR-WEB-2']));
    expect(list.patients.find((p: { reference: string }) => p.reference === 'ENR-WEB-1').device).toBe(SPARE);
    expect(list.patients.find((p: { reference: string }) => p.reference === 'ENR-WEB-2').device).toBeNull();

    // the patient list page shows them too
    await page.goto(`${ws.baseUrl}/patients`);
    await page.getByText('Pete Shipped').first().waitFor();
    expect(errors).toEqual([]);
  });
});
