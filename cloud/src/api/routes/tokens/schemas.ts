import { z } from 'zod';
import { ROLES } from '../../auth/roles.ts';
import { Timestamp } from '../common-schemas.ts';

export const CreateTokenBody = z.object({ role: z.enum(ROLES), label: z.string().trim().max(100).default(''), expiresAt: Timestamp.optional() });
export const CreatedToken = z.object({ id: z.string(), token: z.string(), role: z.string(), label: z.string(), expiresAt: z.string().nullable() });
export const TokenInfo = z.object({ id: z.string(), role: z.string(), label: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable() });
export const TokenList = z.object({ tokens: z.array(TokenInfo) });
export const TokenParams = z.object({ tokenId: z.uuid() });
export const Me = z.object({ organisation: z.string(), role: z.string(), tokenId: z.string() });
