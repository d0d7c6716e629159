/** Organisations (clinic tenants): created by slug; per-organisation settings (billing policy) in jsonb. */
import type { Queryable } from '../db/database.ts';
import { RepositoryError } from './repository-error.ts';

export interface Organisation {
  id: string;
  slug: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: Date;
}

interface OrganisationRow {
  id: string;
  slug: string;
  name: string;
  settings: Record<string, unknown>;
  created_at: Date;
}

const COLUMNS = 'id, slug, name, settings, created_at';
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

const toOrganisation = (r: OrganisationRow): Organisation => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  settings: r.settings,
  createdAt: r.created_at,
});

export function assertSlug(slug: string): void {
  if (!SLUG_PATTERN.test(slug)) {
    throw new RepositoryError('invalid_slug', `organisation slug "${slug}" must be 2-63 characters of a-z, 0-9 and '-'`);
  }
}

export async function createOrganisation(
  q: Queryable,
  input: { slug: string; name: string; settings?: Record<string, unknown> },
): Promise<Organisation> {
  assertSlug(input.slug);
  const { rows } = await q.query<OrganisationRow>(
    `INSERT INTO organisations (slug, name, settings) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING RETURNING ${COLUMNS}`,
    [input.slug, input.name, JSON.stringify(input.settings ?? {})],
  );
  if (!rows[0]) throw new RepositoryError('conflict', `organisation "${input.slug}" already exists`);
  return toOrganisation(rows[0]);
}

/** Returns the organisation with this slug, creating it (named after the slug unless a name is given). */
export async function ensureOrganisation(q: Queryable, slug: string, name?: string): Promise<{ organisation: Organisation; created: boolean }> {
  assertSlug(slug);
  const inserted = await q.query<OrganisationRow>(
    `INSERT INTO organisations (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING ${COLUMNS}`,
    [slug, name ?? slug],
  );
  if (inserted.rows[0]) return { organisation: toOrganisation(inserted.rows[0]), created: true };
  const existing = await findOrganisationBySlug(q, slug);
  if (!existing) throw new RepositoryError('not_found', `organisation "${slug}" vanished while being created`);
  return { organisation: existing, created: false };
}

export async function findOrganisationBySlug(q: Queryable, slug: string): Promise<Organisation | undefined> {
  const { rows } = await q.query<OrganisationRow>(`SELECT ${COLUMNS} FROM organisations WHERE slug = $1`, [slug]);
  return rows[0] && toOrganisation(rows[0]);
}

export async function getOrganisation(q: Queryable, id: string): Promise<Organisation | undefined> {
  const { rows } = await q.query<OrganisationRow>(`SELECT ${COLUMNS} FROM organisations WHERE id = $1`, [id]);
  return rows[0] && toOrganisation(rows[0]);
}

export async function getOrganisationSettings(q: Queryable, id: string): Promise<Record<string, unknown>> {
  const org = await getOrganisation(q, id);
  if (!org) throw new RepositoryError('not_found', `no organisation ${id}`);
  return org.settings;
}

/** Shallow-merges `patch` into the settings (a key set to null removes it: back to the product default). */
export async function updateOrganisationSettings(q: Queryable, id: string, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
  const removed = Object.entries(patch)
    .filter(([, v]) => v === null)
    .map(([k]) => k);
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
  const { rows } = await q.query<{ settings: Record<string, unknown> }>(
    `UPDATE organisations SET settings = (settings || $2::jsonb) - $3::text[] WHERE id = $1 RETURNING settings`,
    [id, JSON.stringify(set), removed],
  );
  if (!rows[0]) throw new RepositoryError('not_found', `no organisation ${id}`);
  return rows[0].settings;
}

/** Organisations that have enrolled at least one patient (those a billing export covers), by slug. */
export async function listOrganisationsWithPatients(q: Queryable): Promise<{ id: string; slug: string }[]> {
  const { rows } = await q.query<{ id: string; slug: string }>(
    'SELECT o.id, o.slug FROM organisations o WHERE EXISTS (SELECT 1 FROM patients p WHERE p.org_id = o.id) ORDER BY o.slug',
  );
  return rows;
}
