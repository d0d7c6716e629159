/**
 * pillcap token create --role <admin|clinic|support|manufacturing> --org <slug> [--label <text>]
 *                      [--expires-in-days <n>] [--create-org [--org-name <name>] [--operator]]
 * pillcap token create --user <email> --org <slug> [--label <text>] [--expires-in-days <n>]
 * pillcap token list --org <slug>
 * pillcap token revoke --org <slug> --id <token id>
 *
 * `create` prints the token once on stdout (nothing else goes to stdout, so `TOKEN=$(pillcap token create ...)`
 * works); only its SHA-256 is stored. With --user the token is personal: it acts as that staff user, with the
 * user's role, and dies with the account.
 */
import { issueToken, revokeToken } from '../api/auth/tokens.ts';
import { MACHINE_ROLES, isMachineRole } from '../api/auth/roles.ts';
import { createOrganisation, findOrganisationBySlug } from '../repositories/organisations.ts';
import { listTokensInOrg } from '../repositories/tokens.ts';
import { findUserByEmailInOrg } from '../repositories/users.ts';
import { appendAudit } from '../repositories/audit.ts';
import { cliActor, parseUsage, processIo, runCommand, UsageError, withDatabase, type CliIo } from './cli-io.ts';

const USAGE = `usage:
  pillcap token create --role <${MACHINE_ROLES.join('|')}> --org <slug> [--label <text>] [--expires-in-days <n>]
                       [--create-org [--org-name <name>] [--operator]]
  pillcap token create --user <email> --org <slug> [--label <text>] [--expires-in-days <n>]
  pillcap token list --org <slug>
  pillcap token revoke --org <slug> --id <token id>
`;

export async function run(args: string[]): Promise<number> {
  return runWith(args, processIo());
}

export async function runWith(args: string[], io: CliIo): Promise<number> {
  return runCommand(io, USAGE, async () => {
    const [action, ...rest] = args;
    const parsed = parseUsage({
      args: rest,
      options: {
        role: { type: 'string' }, org: { type: 'string' }, label: { type: 'string' }, 'expires-in-days': { type: 'string' }, 'create-org': { type: 'boolean' },
        'org-name': { type: 'string' }, operator: { type: 'boolean' }, id: { type: 'string' }, user: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
    if (!action || parsed.help || action === '--help' || action === '-h') {
      io.stdout(USAGE);
      return action ? 0 : 2;
    }
    const org = parsed.org;
    if (!org) throw new UsageError('--org <slug> is required');

    if (action === 'create') {
      let expiresAt: Date | null = null;
      if (parsed['expires-in-days'] !== undefined) {
        const days = Number(parsed['expires-in-days']);
        if (!Number.isFinite(days) || days <= 0 || days > 3650) throw new UsageError('--expires-in-days must be a number of days between 0 and 3650');
        expiresAt = new Date(Date.now() + days * 86_400_000);
      }
      const email = parsed.user;
      if (email !== undefined) {
        if (parsed.role !== undefined || parsed['create-org']) throw new UsageError('--user takes the role of the user: no --role or --create-org');
        return withDatabase(io, async (db) => {
          const found = await findOrganisationBySlug(db, org);
          const user = found && (await findUserByEmailInOrg(db, found.id, email.trim()));
          if (!found || !user || user.disabledAt) throw new Error(`no active user ${email} in "${org}"`);
          const issued = await issueToken(db, { orgSlug: org, userId: user.id, label: parsed.label ?? `cli personal ${user.email}`, expiresAt });
          await appendAudit(db, { actor: cliActor(), orgId: issued.orgId, action: 'token.issue', target: issued.id, detail: { role: issued.role, label: issued.label, userId: user.id } });
          io.stderr(`personal token ${issued.id} of ${user.email} (${issued.role}) in ${org}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}; shown once, store it now:\n`);
          io.stdout(`${issued.token}\n`);
          return 0;
        });
      }
      const role = parsed.role;
      if (!role || !isMachineRole(role)) throw new UsageError(`--role must be one of ${MACHINE_ROLES.join(', ')} (or --user <email> for a personal token)`);
      return withDatabase(io, async (db) => {
        if (!(await findOrganisationBySlug(db, org))) {
          if (!parsed['create-org']) throw new Error(`no organisation "${org}"; add --create-org to create it`);
          await createOrganisation(db, { slug: org, name: parsed['org-name'] ?? org, settings: parsed.operator ? { operator: true } : {} });
          io.stderr(`created organisation ${org}${parsed.operator ? ' (fleet operator)' : ''}\n`);
        }
        const issued = await issueToken(db, { orgSlug: org, role, label: parsed.label ?? `cli ${role}`, expiresAt });
        await appendAudit(db, { actor: cliActor(), orgId: issued.orgId, action: 'token.issue', target: issued.id, detail: { role, label: issued.label } });
        io.stderr(`token ${issued.id} for ${org} (${role})${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}; shown once, store it now:\n`);
        io.stdout(`${issued.token}\n`);
        return 0;
      });
    }
    if (action === 'list') {
      return withDatabase(io, async (db) => {
        const found = await findOrganisationBySlug(db, org);
        if (!found) throw new Error(`no organisation "${org}"`);
        for (const t of await listTokensInOrg(db, found.id)) {
          const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : t.expiresAt && t.expiresAt < new Date() ? 'expired' : 'active';
          io.stdout(`${t.id}  ${t.role.padEnd(13)} ${state.padEnd(10)} ${t.label}\n`);
        }
        return 0;
      });
    }
    if (action === 'revoke') {
      const id = parsed.id;
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError('--id <token id> (a UUID from `pillcap token list`) is required');
      return withDatabase(io, async (db) => {
        const found = await findOrganisationBySlug(db, org);
        if (!found || !(await revokeToken(db, found.id, id))) throw new Error(`no active token ${id} in ${org}`);
        await appendAudit(db, { actor: cliActor(), orgId: found.id, action: 'token.revoke', target: id, detail: {} });
        io.stderr(`revoked ${id}\n`);
        return 0;
      });
    }
    throw new UsageError(`unknown action "${action}"`);
  });
}
