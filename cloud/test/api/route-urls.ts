/**
 * Turns a recorded route pattern into a URL the matrix can call. Every path parameter of every /v1 route has
 * a replacement here; a new parameter name must be added, or the matrix calls a literal ":name" and fails.
 */
export interface RouteIds {
  patientId: string;
  serial: string;
}

/** Ids that exist nowhere: the matrix only checks who gets through, not what is found. */
const ABSENT_UUID = '00000000-0000-4000-8000-000000000000';

export function concreteUrl(url: string, ids: RouteIds): string {
  return url
    .replace(':patientId', ids.patientId)
    .replace(':serial', ids.serial)
    .replace(':month', '2026-10')
    .replace(':tokenId', ABSENT_UUID)
    .replace(':userId', ABSENT_UUID)
    .replace(':alertId', '999999999')
    .replace(':entryId', '999999999')
    .replace(':changeId', '999999999')
    .replace(':reviewId', '999999999');
}
