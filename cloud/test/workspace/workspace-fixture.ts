/**
 * The workspace's browser tests run against a real server with the demo clinic, built the way `pillcap start`
 * builds it, scaled down: the whole system in-process (embedded PGlite and broker, ingestor, API, clinical
 * engine), the demo's clinician and coordinator, its caps and patients with their care plans, the demo fleet
 * simulated through the BG95 emulator over `days` virtual days that end now, then the first alert evaluation
 * and work-queue refresh. Then headless Debian Chromium (playwright-core). One per test file: PGlite takes
 * seconds and ~800 MiB to start.
 *
 * Without Chromium, `haveChromium` is false and the tests report themselves skipped with the reason.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { createStaffUser } from '../../src/api/auth/staff-users.ts';
import { ensureOrganisation, updateOrganisationSettings } from '../../src/repositories/organisations.ts';
import { saveDemoCarePlans } from '../../../scripts/demo/demo-care-plans.ts';
import { evaluateDemoClinic } from '../../../scripts/demo/demo-clinical.ts';
import { DEMO_ORG_SLUG, type DemoCap } from '../../../scripts/demo/demo-fleet.ts';
import { createDemoStaff } from '../../../scripts/demo/demo-staff.ts';
import { newDemoState, runDemo, seedDemoFleet } from '../../../scripts/demo/run-demo.ts';
import { loadSystemEnv } from '../../../scripts/system/system-config.ts';
import { startSystem, type SystemHandle } from '../../../scripts/system/run-system.ts';

export const CHROMIUM = process.env.PILLCAP_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const SKIP_REASON = `skipped: ${CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium) to run the workspace browser tests`;

export interface SignIn {
  email: string;
  password: string;
  name: string;
  id: string;
}

export interface Workspace {
  system: SystemHandle;
  baseUrl: string;
  orgId: string;
  fleet: DemoCap[];
  clinician: SignIn;
  coordinator: SignIn;
  /** A support engineer of the fleet operator (pillcap-ops, settings.operator: every clinic's caps, never patients). */
  support: SignIn;
  browser: Browser;
  /** A fresh browser context (its own cookies) with a page, in the clinic's zone. */
  newPage(options?: { timezoneId?: string }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  signIn(page: Page, who: SignIn, path?: string): Promise<void>;
  /** Saves <name>.png (the window, as staff see it first) and <name>-full.png (the whole page) in the screenshot directory; returns the first's path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** axe-core's serious and critical violations on the page as it is now. */
  seriousViolations(page: Page): Promise<{ id: string; impact: string | null | undefined; help: string; nodes: string[] }[]>;
  close(): Promise<void>;
}

const SUPPORT_PASSWORD = 'support-engineer-password-1';

export async function startWorkspace(options: { caps?: number; days?: number } = {}): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'pillcap-workspace-'));
  const env = loadSystemEnv({ PILLCAP_DATA_DIR: join(dir, 'pglite'), PORT: '0', EMBEDDED_MQTT_PORT: '0', LOG_LEVEL: 'warn' });
  const system = await startSystem({ env });
  const db = system.db;
  const { organisation } = await ensureOrganisation(db, DEMO_ORG_SLUG);
  const staff = await db.transaction((tx) => createDemoStaff(tx, organisation.id));
  // the fleet operator: its support staff see every clinic's caps (cloud/src/api/scope.ts)
  const { organisation: ops } = await ensureOrganisation(db, 'pillcap-ops');
  await updateOrganisationSettings(db, ops.id, { operator: true });
  const supportUser = await createStaffUser(db, { orgId: ops.id, name: 'Riley Support', email: 'riley.support@pillcap-ops.example', role: 'support', password: SUPPORT_PASSWORD });

  const state = newDemoState({ nowMs: Date.now(), caps: options.caps ?? 20, days: options.days ?? 20 });
  const fleet = await db.transaction((tx) => seedDemoFleet(tx, organisation.id, state, { billingPractitioner: `${staff.clinician.user.name} (NPI ${staff.clinician.user.npi})` }));
  await saveDemoCarePlans(db, { orgId: organisation.id, state, fleet, clinicalOwnerId: staff.clinician.user.id, coordinatorId: staff.coordinator.user.id, now: new Date() });
  const outcome = await runDemo({ system, dataDir: dir, signal: new AbortController().signal, out: () => {}, progress: { write: () => true } }, state);
  if (outcome.kind !== 'finished') throw new Error(`demo did not finish: ${JSON.stringify(outcome)}`);
  await evaluateDemoClinic(db, new Date());

  const screenshotDir = process.env.PILLCAP_SCREENSHOT_DIR ?? join(dir, 'screenshots');
  await mkdir(screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const who = (user: { id: string; name: string; email: string | null }, password: string): SignIn => ({ id: user.id, name: user.name, email: user.email!, password });
  const contexts: BrowserContext[] = [];

  return {
    system,
    baseUrl: system.apiUrl.replace(/\/$/, ''),
    orgId: organisation.id,
    fleet,
    clinician: who(staff.clinician.user, staff.clinician.password!),
    coordinator: who(staff.coordinator.user, staff.coordinator.password!),
    support: who(supportUser, SUPPORT_PASSWORD),
    browser,
    async newPage(pageOptions = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: pageOptions.timezoneId ?? 'America/Chicago', locale: 'en-US' });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      return { context, page, errors };
    },
    async signIn(page, user, path = '/') {
      await page.goto(`${system.apiUrl.replace(/\/$/, '')}${path}`);
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    },
    async screenshot(page, name) {
      const path = join(screenshotDir, `${name}.png`);
      await page.screenshot({ path });
      await page.screenshot({ path: join(screenshotDir, `${name}-full.png`), fullPage: true });
      return path;
    },
    async seriousViolations(page) {
      const results = await new AxeBuilder({ page }).analyze();
      return results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await system.stop();
      if (!process.env.PILLCAP_SCREENSHOT_DIR) await rm(dir, { recursive: true, force: true });
    },
  };
}
