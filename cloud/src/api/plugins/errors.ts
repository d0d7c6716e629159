/**
 * One error shape for every failure: `{ error, message, requestId, issues? }`. Validation failures are 400
 * with the zod issues (path + message); unexpected errors are 500 without internals.
 */
import type { FastifyInstance, FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors, ResponseSerializationError } from 'fastify-type-provider-zod';
import { RepositoryError } from '../../repositories/repository-error.ts';
import { ApiError } from '../errors.ts';
import { BillingInputError, PatientNotFoundError } from '../../billing/billing-errors.ts';
import { InvalidBillingSettingsError } from '../../billing/billing-policy.ts';
import { InvalidAdherenceOptionsError } from '../../adherence/index.ts';

// Repository errors are input or state problems: map them onto HTTP without leaking other tenants.
const REPOSITORY_STATUS: Record<string, number> = {
  not_found: 404,
  organisation_mismatch: 404,
  conflict: 409,
  assignment_overlap: 409,
};

export async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    const requestId = request.id;
    if (error instanceof ApiError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply.code(error.statusCode).send({ error: error.code, message: error.message, requestId, ...(error.details === undefined ? {} : { details: error.details }) });
    }
    if (error instanceof RepositoryError) {
      const status = REPOSITORY_STATUS[error.code] ?? 400;
      const message = error.code === 'organisation_mismatch' ? 'device not found' : error.message;
      return reply.code(status).send({ error: error.code === 'organisation_mismatch' ? 'not_found' : error.code, message, requestId });
    }
    if (error instanceof PatientNotFoundError) return reply.code(404).send({ error: 'not_found', message: 'patient not found', requestId });
    if (error instanceof BillingInputError) return reply.code(400).send({ error: error.code, message: error.message, requestId });
    if (error instanceof InvalidBillingSettingsError || error instanceof InvalidAdherenceOptionsError) {
      request.log.error({ err: error }, 'organisation settings are invalid');
      return reply.code(422).send({ error: error.code, message: `${error.message}; ask an administrator to fix the organisation's settings`, requestId });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({
        in: error.validationContext ?? 'request',
        path: issue.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.'),
        message: issue.message ?? 'invalid',
        code: issue.keyword,
      }));
      return reply.code(400).send({ error: 'validation_failed', message: `invalid ${error.validationContext ?? 'request'}`, requestId, issues });
    }
    if (error instanceof ResponseSerializationError) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return reply.code(500).send({ error: 'internal', message: 'internal error', requestId });
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send({ error: (error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : 'bad_request', message: error.message, requestId });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error', requestId });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id });
  });
}
