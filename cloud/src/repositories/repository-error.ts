/** Typed errors raised by repositories for bad input or state conflicts (never for database faults). */
export type RepositoryErrorCode =
  | 'invalid_serial'
  | 'invalid_slug'
  | 'invalid_time_zone'
  | 'invalid_date'
  | 'invalid_body_system'
  | 'not_found'
  | 'conflict'
  | 'assignment_overlap'
  | 'organisation_mismatch';

export class RepositoryError extends Error {
  override readonly name = 'RepositoryError';
  constructor(
    readonly code: RepositoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}
