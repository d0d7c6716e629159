/** The record every unit leaves: one JSON file, one readable summary, one line in the station log. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TranscriptLine } from './console-link.ts';

export type StepStatus = 'pass' | 'fail' | 'not-run';

export interface StepResult {
  id: string;
  title: string;
  status: StepStatus;
  value: number | string | null;
  message: string;
  ms: number;
}

export interface UnitReport {
  unit: string;
  stationId: string;
  planName: string;
  planVersion: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  passed: boolean;
  failedStep: string | null;
  serial: string | null;
  imei: string | null;
  iccid: string | null;
  firmware: string | null;
  modemFirmware: string | null;
  imageHash: string;
  steps: StepResult[];
  provisioning: { status: StepStatus; message: string };
  registration: { status: StepStatus; message: string };
  shipping: { status: StepStatus; message: string };
  transcript: TranscriptLine[];
}

export function summarise(report: UnitReport): string {
  const mark = (status: StepStatus) => (status === 'pass' ? 'PASS' : status === 'fail' ? 'FAIL' : ' -- ');
  const lines = [
    `unit ${report.unit}  serial ${report.serial ?? '-'}  ${report.passed ? 'PASSED' : `FAILED at ${report.failedStep}`}`,
    `station ${report.stationId}  plan ${report.planName} v${report.planVersion}  ${(report.durationMs / 1000).toFixed(1)} s`,
    ...report.steps.map((s) => `  ${mark(s.status)}  ${s.id.padEnd(14)} ${s.message}`),
    `  ${mark(report.provisioning.status)}  ${'provisioning'.padEnd(14)} ${report.provisioning.message}`,
    // "registration" alone is the network step above; this one is the cloud API.
    `  ${mark(report.registration.status)}  ${'api-register'.padEnd(14)} ${report.registration.message}`,
    `  ${mark(report.shipping.status)}  ${'shipping'.padEnd(14)} ${report.shipping.message}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes <dir>/<unit>-<time>.json and .txt and appends one line to <dir>/station.log. Returns the JSON path. */
export function writeUnitReport(dir: string, report: UnitReport): string {
  mkdirSync(dir, { recursive: true });
  const stem = `${(report.serial ?? report.unit).replace(/[^A-Za-z0-9._-]/g, '_')}-${report.startedAt.replace(/[:.]/g, '-')}`;
  const jsonPath = join(dir, `${stem}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${stem}.txt`), summarise(report));
  appendFileSync(
    join(dir, 'station.log'),
    `${report.finishedAt} ${report.stationId} unit=${report.unit} serial=${report.serial ?? '-'} result=${report.passed ? 'PASS' : 'FAIL'}` +
      `${report.failedStep ? ` step=${report.failedStep}` : ''} duration_ms=${report.durationMs}\n`,
  );
  return jsonPath;
}
