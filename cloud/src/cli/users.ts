/**
 * pillcap users create --org <slug> --email <email> --name <name> --role <role> [--npi <npi>] [--password-stdin]
 *                      [--create-org [--org-name <name>]]
 * pillcap users list --org <slug>
 * pillcap users reset-password --org <slug> --email <email> [--password-stdin]
 * pillcap users disable --org <slug> --email <email>
 *
 * Without --password-stdin, `create` and `reset-password` print a generated temporary password on stdout
 * (nothing else goes there) and the user must change it at the first sign-in. With --password-stdin the
 * first line of standard input is the password (kept out of the shell history and the process list).
 */
import { generatePassword } from '../api/auth/passwords.ts';
import { USER_ROLES, isUserRole } from '../api/auth/roles.ts';
import { createStaffUser, disableUser, normaliseEmail, resetPassword } from '../api/auth/staff-users.ts';
import type { Queryable } from '../db/database.ts';
import { appendAudit } from '../repositories/audit.ts';
import { createOrganisation, findOrganisationBySlug, type Organisation } from '../repositories/organisations.ts';
import { findUserByEmailInOrg, listUsersInOrg, type User } from '../repositories/users.ts';
import { cliActor, parseUsage, processIo, runActions, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap users create --org <slug> --email <email> --name <name> --role <${USER_ROLES.join('|')}> [--npi <npi>]
                       [--password-stdin] [--create-org [--org-name <name>]]
  pillcap users list --org <slug>
  pillcap users reset-password --org <slug> --email <email> [--password-stdin]
  pillcap users disable --org <slug> --email <email>
`;

/** The commands' streams, plus standard input for --password-stdin (tests pass a string). */
export interface UsersCliIo extends CliIo {
  readStdin?: () => Promise<string>;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

async function passwordFromStdin(io: UsersCliIo): Promise<string> {
  const text = await (io.readStdin ?? readProcessStdin)();
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new UsageError('--password-stdin: standard input holds no password');
  return line;
}

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: UsersCliIo): Promise<number> {
  return runActions(io, USAGE, args, {
    create: (rest) => create(rest, io),
    list: (rest) => list(rest, io),
    'reset-password': (rest) => reset(rest, io),
    disable: (rest) => disable(rest, io),
  });
}

const OPTIONS = {
  org: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  npi: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'create-org': { type: 'boolean' },
  'org-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(rest: string[], allowed: readonly (keyof typeof OPTIONS)[]) {
  const values = parseUsage({ args: rest, options: OPTIONS, strict: true }).values;
  const extra = (Object.keys(values) as (keyof typeof OPTIONS)[]).filter((k) => k !== 'help' && !allowed.includes(k));
  if (extra.length > 0) throw new UsageError(`this action takes no ${extra.map((k) => `--${k}`).join(', ')}`);
  if (!values.org) throw new UsageError('--org <slug> is required');
  return values;
}

async function organisation(db: Queryable, slug: string): Promise<Organisation> {
  const found = await findOrganisationBySlug(db, slug);
  if (!found) throw new Error(`no organisation "${slug}"`);
  return found;
}

async function userByEmail(db: Queryable, org: Organisation, email: string): Promise<User> {
  const user = await findUserByEmailInOrg(db, org.id, normaliseEmail(email));
  if (!user) throw new Error(`no user ${email} in ${org.slug}`);
  return user;
}

async function create(rest: string[], io: UsersCliIo): Promise<number> {
  const v = parse(rest, ['org', 'email', 'name', 'role', 'npi', 'password-stdin', 'create-org', 'org-name']);
  if (v.help) return help(io);
  const missing = (['email', 'name', 'role'] as const).filter((k) => !v[k]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`);
  if (!isUserRole(v.role!)) throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}`);
  const role = v.role;
  const given = v['password-stdin'] ? await passwordFromStdin(io) : null;
  const temporary = given === null ? generatePassword() : null;
  return withDatabase(io, (db) =>
    db.transaction(async (tx) => {
      let org = await findOrganisationBySlug(tx, v.org!);
      if (!org) {
        if (!v['create-org']) throw new Error(`no organisation "${v.org}"; add --create-org to create it`);
        org = await createOrganisation(tx, { slug: v.org!, name: v['org-name'] ?? v.org! });
        io.stderr(`created organisation ${org.slug}\n`);
      }
      const user = await createStaffUser(tx, { orgId: org.id, name: v.name!, email: v.email!, role, npi: v.npi ?? null, password: given ?? temporary, mustChangePassword: temporary !== null });
      await appendAudit(tx, { actor: cliActor(), orgId: org.id, action: 'user.create', target: user.id, detail: { role, generatedPassword: temporary !== null } });
      io.stderr(`user ${user.id} ${user.email} (${role}) in ${org.slug}`);
      if (temporary) {
        io.stderr('; temporary password (shown once, must be changed at the first sign-in):\n');
        io.stdout(`${temporary}\n`);
      } else io.stderr('\n');
      return 0;
    }),
  );
}

async function list(rest: string[], io: UsersCliIo): Promise<number> {
  const v = parse(rest, ['org']);
  if (v.help) return help(io);
  return withDatabase(io, async (db) => {
    const org = await organisation(db, v.org!);
    const now = new Date();
    for (const u of await listUsersInOrg(db, org.id)) {
      const state = u.disabledAt ? 'disabled' : u.lockedUntil && u.lockedUntil > now ? 'locked' : u.mustChangePassword ? 'must-change' : 'active';
      io.stdout(`${u.id}  ${u.role.padEnd(13)} ${state.padEnd(11)} ${(u.email ?? '-').padEnd(32)} ${u.name}${u.npi ? `  NPI ${u.npi}` : ''}\n`);
    }
    return 0;
  });
}

async function reset(rest: string[], io: UsersCliIo): Promise<number> {
  const v = parse(rest, ['org', 'email', 'password-stdin']);
  if (v.help) return help(io);
  if (!v.email) throw new UsageError('--email <email> is required');
  const given = v['password-stdin'] ? await passwordFromStdin(io) : null;
  return withDatabase(io, (db) =>
    db.transaction(async (tx) => {
      const org = await organisation(tx, v.org!);
      const user = await userByEmail(tx, org, v.email!);
      const result = await resetPassword(tx, { orgId: org.id, userId: user.id, password: given, now: new Date() });
      await appendAudit(tx, { actor: cliActor(), orgId: org.id, action: 'user.password_reset', target: user.id, detail: { generatedPassword: result.generated } });
      io.stderr(`password of ${user.email} reset; sessions ended; a new password must be chosen at the next sign-in\n`);
      if (result.generated) io.stdout(`${result.temporaryPassword}\n`);
      return 0;
    }),
  );
}

async function disable(rest: string[], io: UsersCliIo): Promise<number> {
  const v = parse(rest, ['org', 'email']);
  if (v.help) return help(io);
  if (!v.email) throw new UsageError('--email <email> is required');
  return withDatabase(io, (db) =>
    db.transaction(async (tx) => {
      const org = await organisation(tx, v.org!);
      const user = await userByEmail(tx, org, v.email!);
      await disableUser(tx, { orgId: org.id, userId: user.id, now: new Date() });
      await appendAudit(tx, { actor: cliActor(), orgId: org.id, action: 'user.update', target: user.id, detail: { disabled: true } });
      io.stderr(`disabled ${user.email}: sessions and personal tokens no longer work\n`);
      return 0;
    }),
  );
}

function help(io: UsersCliIo): number {
  io.stdout(USAGE);
  return 0;
}
