/** Registers a unit and its factory report through the cloud's manufacturing API (POST /v1/devices). */
import type { UnitReport } from './unit-report.ts';

export interface RegistrationTarget {
  apiUrl: string; // e.g. http://localhost:8080
  token: string; // a manufacturing-role bearer token
}

export class RegistrationError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'RegistrationError';
  }
}

export async function registerUnit(target: RegistrationTarget, report: UnitReport): Promise<{ serial: string }> {
  if (!report.passed) throw new RegistrationError('a unit that failed its end-of-line test cannot be registered');
  if (!report.serial) throw new RegistrationError('unit has no serial');
  // Shape of C3's RegisterDeviceBody (cloud/src/api/routes/devices/schemas.ts).
  const body = {
    serial: report.serial,
    imei: report.imei,
    iccid: report.iccid,
    appFirmware: report.firmware,
    modemFirmware: report.modemFirmware ?? undefined,
    imageHash: report.imageHash || undefined,
    factoryReport: {
      passed: report.passed,
      stationId: report.stationId,
      testedAt: report.finishedAt || new Date().toISOString(),
      steps: report.steps.map(({ id, status, value, message }) => ({
        name: id,
        ok: status === 'pass',
        value: typeof value === 'number' ? value : null,
        message: message.slice(0, 200),
      })),
    },
  };
  const response = await fetch(new URL('/v1/devices', target.apiUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201 && response.status !== 200) {
    const text = await response.text();
    throw new RegistrationError(`registration refused (${response.status}): ${text.slice(0, 300)}`, response.status);
  }
  return { serial: report.serial };
}
