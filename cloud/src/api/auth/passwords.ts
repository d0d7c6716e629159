/**
 * Passwords: argon2id (memory-hard) PHC strings from @node-rs/argon2 with the OWASP minimum parameters
 * (19 MiB, 2 passes, 1 lane), and the password policy. Parameters live in the PHC string, so raising them
 * later still verifies every stored hash.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { ApiError } from '../errors.ts';

// Algorithm is an ambient const enum, which isolatedModules cannot read: 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

export const PASSWORD_HASH_OPTIONS: Readonly<Options> = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** A password the policy refuses: 422 `weak_password` over the API, exit 1 in the CLI. */
export class PasswordPolicyError extends ApiError {
  constructor(message: string) {
    super(422, 'weak_password', message);
    this.name = 'PasswordPolicyError';
  }
}

/** Length in characters as a person counts them (code points), so an emoji is one character, not two. */
const characters = (text: string): number => [...text].length;

export function checkPasswordPolicy(password: string, email: string | null): void {
  const length = characters(password);
  if (length < PASSWORD_MIN_LENGTH) throw new PasswordPolicyError(`a password needs at least ${PASSWORD_MIN_LENGTH} characters`);
  if (length > PASSWORD_MAX_LENGTH) throw new PasswordPolicyError(`a password has at most ${PASSWORD_MAX_LENGTH} characters`);
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) throw new PasswordPolicyError('the password may not be the email address');
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/** false for a wrong password and for a stored value that is not an argon2 PHC string (never throws on bad input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a hash nobody knows, so that a sign-in for an unknown or disabled account costs
 * as much time as one for a real account and timing does not tell which emails exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  await verifyPassword(await dummyHash, password);
  return false;
}

/** A temporary password for an admin to hand over (24 base64url characters, 144 random bits). */
export const generatePassword = (): string => randomBytes(18).toString('base64url');
