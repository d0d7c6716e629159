/**
 * Puts the API's answer next to the field it is about. Validation failures carry zod issues with a path
 * ("timeZone", "doseTimes.1", "consent.by"); business refusals carry a code only, mapped here to the field
 * the person has to change. Whatever cannot be placed is shown above the form.
 */
import { ApiError } from '../api/client.ts';

export type FieldErrors = Record<string, string>;

/** Error codes of POST /v1/patients and PUT /v1/patients/:id/care-plan that belong to one field. */
const CODE_FIELD: Record<string, string> = {
  conflict: 'reference',
  invalid_staff: 'clinicalOwnerId',
  consent_in_future: 'consent.at',
  category_mismatch: 'category',
  invalid_regimen: 'doseTimes',
};

export interface PlacedErrors {
  fields: FieldErrors;
  /** what belongs to no field of the form */
  general: string[];
}

/** `known` lists the form's field keys, which are the API's body paths ("reference", "consent.at"). */
export function placeErrors(error: unknown, known: readonly string[]): PlacedErrors {
  const fields: FieldErrors = {};
  const general: string[] = [];
  if (!(error instanceof ApiError)) return { fields, general: [(error as Error).message ?? String(error)] };
  const place = (path: string, message: string) => {
    // "doseTimes.1" belongs to "doseTimes.1" when the form has it, else to "doseTimes"
    const segments = path.split('.');
    for (let n = segments.length; n > 0; n -= 1) {
      const key = segments.slice(0, n).join('.');
      if (known.includes(key)) {
        fields[key] = fields[key] ? `${fields[key]}; ${message}` : message;
        return true;
      }
    }
    return false;
  };
  if (error.issues.length > 0) {
    for (const issue of error.issues) if (!place(issue.path, issue.message)) general.push(`${issue.path || 'request'}: ${issue.message}`);
  } else if (!(CODE_FIELD[error.code] && place(CODE_FIELD[error.code]!, error.message))) {
    general.push(error.message);
  }
  return { fields, general };
}
