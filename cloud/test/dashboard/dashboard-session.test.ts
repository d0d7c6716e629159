/**
 * The dashboard's email and password sign-in in headless Chromium over plain http://127.0.0.1: the Secure,
 * HttpOnly session cookie is kept (a loopback origin counts as secure), survives a reload (GET /v1/session
 * gives the page a new CSRF token), carries a state-changing request with the CSRF header, and sign-out
 * ends it. A user reset by an admin chooses a new password first. Without Chromium the test reports that it
 * was skipped and why.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { createStaffUser } from '../../src/api/auth/staff-users.ts';
import { createWorld, seedDevice, seedHeartbeat, seedPatient, type World } from '../api/fixture.ts';

const CHROMIUM = process.env.PILLCAP_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const PASSWORD = 'dashboard password';

let world: World | undefined;
let baseUrl = '';
let profileDir = '';
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!haveChromium) {
    console.warn(`dashboard session test SKIPPED: ${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)`);
    return;
  }
  world = await createWorld();
  const { db, orgIds } = world;
  await seedPatient(db, orgIds.clinicA, 'SESS-001', { name: 'Sam Session' });
  const deviceId = await seedDevice(db, 'SESS-CAP-1', orgIds.ops);
  await seedHeartbeat(db, 'SESS-CAP-1', deviceId, new Date(Date.now() - 3_600_000), { rsrpDbm: -95, batteryPct: 90 }, 10);
  await createStaffUser(db, { orgId: orgIds.clinicA, name: 'Dr Dash', email: 'dr.dash@clinic-a.test', role: 'clinician', npi: '1234567893', password: PASSWORD });
  await createStaffUser(db, { orgId: orgIds.ops, name: 'Sue Support', email: 'sue@ops.test', role: 'support', password: PASSWORD });
  await createStaffUser(db, { orgId: orgIds.clinicA, name: 'Temp Coordinator', email: 'temp@clinic-a.test', role: 'coordinator', password: 'temporary password', mustChangePassword: true });
  await world.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(world.app.server.address() as AddressInfo).port}`;
  profileDir = await mkdtemp(join(tmpdir(), 'pillcap-chromium-session-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
    locale: 'en-US',
  });
});

afterAll(async () => {
  await context?.close();
  await world?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

const skipWithoutChromium = (ctx: { skip: (note?: string) => void }): boolean => {
  if (haveChromium) return false;
  ctx.skip(`skipped: ${CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium) to run the browser test`);
  return true;
};

describe('dashboard sign-in with email and password', () => {
  it('signs in, survives a reload, sends the CSRF token and signs out', async (ctx) => {
    if (skipWithoutChromium(ctx)) return;
    await context!.clearCookies();
    const page = await context!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(baseUrl);
    await page.waitForSelector('#signin:not([hidden])');
    await page.fill('#email', 'dr.dash@clinic-a.test');
    await page.fill('#password', 'not the password');
    await page.click('#password-signin-button');
    await expect.poll(() => page.textContent('#signin-error')).toContain('Email or password is wrong');

    await page.fill('#password', PASSWORD);
    await page.click('#password-signin-button');
    await page.waitForSelector('#patients tbody tr[data-reference="SESS-001"]');
    expect(await page.textContent('[data-testid="who"]')).toBe('Dr Dash · clinic-a · clinician');
    const [cookie] = await context!.cookies(baseUrl);
    expect(cookie).toMatchObject({ name: 'pillcap_session', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    // the page cannot read its own session cookie
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.reload();
    await page.waitForSelector('#patients tbody tr[data-reference="SESS-001"]');
    expect(await page.isHidden('#signin')).toBe(true);

    await page.click('#sign-out');
    await page.waitForSelector('#signin:not([hidden])');
    const revoked = await world!.db.query<{ revoked_reason: string | null }>("SELECT s.revoked_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'dr.dash@clinic-a.test' ORDER BY s.created_at DESC LIMIT 1");
    expect(revoked.rows[0]!.revoked_reason).toBe('signed_out');
    await page.reload();
    await page.waitForSelector('#signin:not([hidden])');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('sends a support command with the session cookie and the CSRF header', async (ctx) => {
    if (skipWithoutChromium(ctx)) return;
    await context!.clearCookies();
    const page = await context!.newPage();
    await page.goto(baseUrl);
    await page.fill('#email', 'sue@ops.test');
    await page.fill('#password', PASSWORD);
    await page.click('#password-signin-button');
    await page.waitForSelector('#support:not([hidden])');
    // after a reload the CSRF token kept in memory is gone; the page gets a new one
    await page.reload();
    await page.waitForSelector('#support:not([hidden])');
    await page.fill('#serial', 'SESS-CAP-1');
    await page.click('#diag-button');
    await page.waitForSelector('#diagnostics:not([hidden])');
    await page.click('button[data-command="ping"]');
    await expect.poll(() => page.textContent('[data-testid="command-status"]')).toContain('ping sent');
    expect(world!.downlink.sent.at(-1)).toMatchObject({ serial: 'SESS-CAP-1' });
    await page.close();
  });

  it('makes a user with a temporary password choose a new one first', async (ctx) => {
    if (skipWithoutChromium(ctx)) return;
    await context!.clearCookies();
    const page = await context!.newPage();
    await page.goto(baseUrl);
    await page.fill('#email', 'temp@clinic-a.test');
    await page.fill('#password', 'temporary password');
    await page.click('#password-signin-button');
    await page.waitForSelector('#change-password:not([hidden])');
    expect(await page.isHidden('#nav')).toBe(true);
    await page.fill('#current-password', 'temporary password');
    await page.fill('#new-password', 'my own long password');
    await page.click('#change-password-button');
    await page.waitForSelector('#patients tbody tr[data-reference="SESS-001"]');
    expect(await page.textContent('[data-testid="who"]')).toContain('Temp Coordinator');
    await page.close();
  });
});
