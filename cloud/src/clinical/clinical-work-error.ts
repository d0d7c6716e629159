/**
 * Refusals of the month's clinical work (time overlaps, timers, therapy-change links). They extend the API's
 * typed error so every caller (routes, CLI, demo) gets the same status and code without a mapping table that
 * other code would have to keep in step.
 */
import { ApiError } from '../api/errors.ts';

export class ClinicalWorkError extends ApiError {
  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(statusCode, code, message, details);
    this.name = 'ClinicalWorkError';
  }
}
