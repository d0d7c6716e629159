/** Typed errors of the billing module; `code` is stable for API mapping (not_found -> 404, invalid_* -> 400). */
export class PatientNotFoundError extends Error {
  readonly code = 'not_found';
  constructor(readonly patientId: string) {
    super(`patient ${patientId} not found`);
    this.name = 'PatientNotFoundError';
  }
}

export class BillingInputError extends Error {
  readonly code = 'invalid_billing_input';
  constructor(message: string) {
    super(message);
    this.name = 'BillingInputError';
  }
}
