/**
 * The demo clinic's people: one clinician (the billing practitioner, with an NPI) who owns every demo patient
 * clinically, one coordinator assigned to all of them, and the clinic's device-support contact (the support
 * view: caps in trouble, never patient identity). Created once, on a fresh database, with random
 * passwords that `pillcap start` prints and writes to data/demo-tokens.txt; only their hashes are stored.
 */
import { createStaffUser } from '../../cloud/src/api/auth/staff-users.ts';
import { generatePassword } from '../../cloud/src/api/auth/passwords.ts';
import type { Queryable } from '../../cloud/src/db/database.ts';
import { findUserByEmailInOrg, type User } from '../../cloud/src/repositories/users.ts';

export const DEMO_STAFF = {
  // 1234567893 passes the NPI check (Luhn over 80840 + the first nine digits); it is CMS's own example.
  clinician: { name: 'Dr. Dana Reyes', email: 'dana.reyes@demo-clinic.example', role: 'clinician', npi: '1234567893' },
  coordinator: { name: 'Sam Okafor', email: 'sam.okafor@demo-clinic.example', role: 'coordinator', npi: null },
  support: { name: 'Riley Chen', email: 'riley.chen@demo-clinic.example', role: 'support', npi: null },
} as const;

export interface DemoSignIn {
  user: User;
  /** The password, in clear: shown once by `pillcap start` (undefined when the user already existed). */
  password?: string;
}

export interface DemoStaff {
  clinician: DemoSignIn;
  coordinator: DemoSignIn;
  /** absent in a demo created before the support view had a person */
  support?: DemoSignIn;
}

/** Creates the demo clinician and coordinator with fresh random passwords. */
export async function createDemoStaff(db: Queryable, orgId: string): Promise<DemoStaff> {
  const make = async (who: (typeof DEMO_STAFF)[keyof typeof DEMO_STAFF]): Promise<DemoSignIn> => {
    const password = generatePassword();
    const user = await createStaffUser(db, { orgId, name: who.name, email: who.email, role: who.role, npi: who.npi, password });
    return { user, password };
  };
  return { clinician: await make(DEMO_STAFF.clinician), coordinator: await make(DEMO_STAFF.coordinator), support: await make(DEMO_STAFF.support) };
}

/** The demo staff of an existing demo organisation (their passwords were shown when they were created). */
export async function findDemoStaff(db: Queryable, orgId: string): Promise<DemoStaff | undefined> {
  const clinician = await findUserByEmailInOrg(db, orgId, DEMO_STAFF.clinician.email);
  const coordinator = await findUserByEmailInOrg(db, orgId, DEMO_STAFF.coordinator.email);
  const support = await findUserByEmailInOrg(db, orgId, DEMO_STAFF.support.email);
  return clinician && coordinator ? { clinician: { user: clinician }, coordinator: { user: coordinator }, ...(support ? { support: { user: support } } : {}) } : undefined;
}

/** The lines `pillcap start` prints and keeps in data/demo-tokens.txt: who signs in with what, where. */
export function signInLines(staff: DemoStaff, dashboardUrl: string): string[] {
  const lines: string[] = [];
  for (const who of [staff.clinician, staff.coordinator, staff.support]) {
    if (who?.password === undefined) continue;
    lines.push(`  ${who.user.role.padEnd(14)} ${who.user.email}  password ${who.password}  (${who.user.name})`);
  }
  if (lines.length > 0) lines.push(`  sign in at        ${dashboardUrl}`);
  return lines;
}
