/**
 * Sign-in and the work queue in headless Chromium, on a real server with the demo clinic: a wrong password
 * is refused, the coordinator signs in and lands on the month's queue (most urgent first, with counts), a
 * data-review item is cleared from the queue itself, the filters are real URLs, the session survives a
 * reload and ends on sign-out, and axe-core finds no serious or critical violations. A user whose password an
 * admin reset chooses a new one before anything else; manufacturing lands on its units, with no clinic pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/api/auth/staff-users.ts';
import { ensureOrganisation } from '../../src/repositories/organisations.ts';
import { SKIP_REASON, haveChromium, startWorkspace, type Workspace } from './workspace-fixture.ts';

let ws: Workspace | undefined;

beforeAll(async () => {
  if (!haveChromium) return console.warn(`workspace work-queue test ${SKIP_REASON}`);
  ws = await startWorkspace();
}, 600_000);

afterAll(async () => {
  await ws?.close();
});

describe('work queue', () => {
  it('signs in with email and password, shows the queue by urgency and clears a data review from it', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    const { page, errors } = await ws.newPage();
    await page.goto(ws.baseUrl);
    await page.getByLabel('Email').fill(ws.coordinator.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent()).toContain('do not match');
    expect(await ws.seriousViolations(page)).toEqual([]);

    await ws.signIn(page, ws.coordinator);
    await page.getByRole('heading', { name: 'Work queue' }).waitFor();
    await page.getByRole('list', { name: 'Patients by urgency' }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('Sam Okafor');
    // a coordinator's queue opens on "Mine"
    expect(await page.getByLabel('Show').inputValue()).toBe('me');
    const levels = await page.locator('.work-list > li').evaluateAll((rows) => rows.map((r) => r.className.match(/level-(\w+)/)?.[1]));
    const order = ['urgent', 'high', 'normal', 'none'];
    expect(levels.length).toBeGreaterThan(5);
    expect([...levels].sort((a, b) => order.indexOf(a!) - order.indexOf(b!))).toEqual(levels);
    expect(Number(await page.getByTestId('count-urgent').textContent())).toBeGreaterThan(0);
    expect(await ws.seriousViolations(page)).toEqual([]);
    await ws.screenshot(page, 'work-queue');

    // clear one data-review item from the queue itself
    const reviewButtons = page.getByRole('button', { name: /^Mark reviewed for / });
    const before = await reviewButtons.count();
    expect(before).toBeGreaterThan(0);
    const label = (await reviewButtons.first().getAttribute('aria-label'))!;
    await reviewButtons.first().click();
    await expect.poll(() => page.getByRole('button', { name: label, exact: true }).count()).toBe(0);
    expect(await reviewButtons.count()).toBe(before - 1);

    // filters are URLs: "all" survives a reload, and the session does too
    await page.getByLabel('Show').selectOption('all');
    await expect.poll(() => new URL(page.url()).searchParams.get('assignee')).toBe('all');
    await page.reload();
    await page.getByRole('list', { name: 'Patients by urgency' }).waitFor();
    expect(await page.getByLabel('Show').inputValue()).toBe('all');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('makes a reset user choose a new password first, and shows manufacturing its units only', async (ctx) => {
    if (!ws) return ctx.skip(SKIP_REASON);
    await createStaffUser(ws.system.db, { orgId: ws.orgId, name: 'Temp Coordinator', email: 'temp@demo-clinic.example', role: 'coordinator', password: 'temporary password 1', mustChangePassword: true });
    const { page, errors } = await ws.newPage();
    await page.goto(ws.baseUrl);
    await page.getByLabel('Email').fill('temp@demo-clinic.example');
    await page.getByLabel('Password').fill('temporary password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a new password to go on' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await page.getByLabel('Current password', { exact: true }).fill('temporary password 1');
    await page.getByLabel('New password', { exact: true }).fill('my own long password 2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Work queue' }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('Temp Coordinator');

    const { organisation: ops } = await ensureOrganisation(ws.system.db, 'pillcap-ops');
    await createStaffUser(ws.system.db, { orgId: ops.id, name: 'Line Operator', email: 'line@pillcap-ops.example', role: 'manufacturing', password: 'factory line password 3' });
    const factory = await ws.newPage();
    await ws.signIn(factory.page, { email: 'line@pillcap-ops.example', password: 'factory line password 3', name: 'Line Operator', id: '' });
    await factory.page.getByRole('heading', { name: 'Units' }).waitFor();
    const serial = ws.fleet[0]!.serial;
    await factory.page.locator(`tr[data-serial="${serial}"]`).waitFor();
    expect(await factory.page.locator(`tr[data-serial="${serial}"]`).textContent()).toContain('demo-clinic');
    const nav = await factory.page.getByRole('navigation', { name: 'Main' }).textContent();
    expect(nav).toBe('Units');
    await factory.page.goto(`${ws.baseUrl}/patients`);
    await factory.page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await ws.seriousViolations(factory.page)).toEqual([]);
    expect([...errors, ...factory.errors]).toEqual([]);
  });
});
