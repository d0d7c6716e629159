import { z } from 'zod';
import { MACHINE_ROLES } from '../../auth/roles.ts';
import { Timestamp } from '../common-schemas.ts';

// Tokens without a user are for machines; a person's token is issued for the user (POST /v1/users/{userId}/tokens).
export const CreateTokenBody = z.object({ role: z.enum(MACHINE_ROLES), label: z.string().trim().max(100).default(''), expiresAt: Timestamp.optional() });
export const CreatedToken = z.object({ id: z.string(), token: z.string(), role: z.string(), label: z.string(), expiresAt: z.string().nullable() });
export const TokenInfo = z.object({ id: z.string(), role: z.string(), label: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable() });
export const TokenList = z.object({ tokens: z.array(TokenInfo) });
export const TokenParams = z.object({ tokenId: z.uuid() });
export const Me = z.object({
  organisation: z.string(),
  role: z.string(),
  /** The token's id, or the session's id for a signed-in user. */
  tokenId: z.string(),
  via: z.enum(['token', 'session']),
  /** The person behind the request (a session or a personal token); null for a machine token. */
  user: z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), role: z.string() }).nullable(),
});
