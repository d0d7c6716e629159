import { describe, expect, it } from 'vitest';
import { formatCodes, toCsv, type MonthlyReportRow } from '../../src/billing/monthly-report.ts';

const row: MonthlyReportRow = {
  type: 'supply',
  patientId: '00000000-0000-0000-0000-000000000001',
  patientReference: '=HYPERLINK("http://x")',
  patientName: 'Doe, "Jane"',
  bodySystem: 'respiratory',
  practitioner: 'Dr Lee',
  episode: 1,
  periodIndex: 0,
  startDate: '2026-01-01',
  endDate: '2026-01-30',
  month: '2026-01',
  monitoredDays: 16,
  deviceActiveDays: 18,
  minutes: null,
  interactiveCommunications: null,
  codes: [
    { code: '98975', units: 1 },
    { code: '98976', units: 1 },
  ],
  serials: ['CAP-A001', 'CAP-B002'],
  qualifyingDates: ['2026-01-01', '2026-01-02'],
  status: 'amended',
  amended: true,
  amendment: { addedDates: ['2026-01-20'] },
  checklistMissing: ['whatReviewed'],
  evidenceRef: 'billing_periods/x/1/0',
  reason: 'r',
};

describe('monthly report CSV', () => {
  it('quotes per RFC 4180 and neutralises spreadsheet formulas', () => {
    const [header, line] = toCsv([row]).split('\r\n');
    expect(header!.split(',')).toHaveLength(23);
    expect(line).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(line).toContain('"Doe, ""Jane"""');
    expect(line).toContain('"98975;98976"');
    expect(line).toContain('"CAP-A001;CAP-B002"');
    expect(line).toContain(',amended,true,');
  });
  it('formats add-on units', () => {
    expect(formatCodes([{ code: '98980', units: 1 }, { code: '98981', units: 2 }])).toBe('98980;98981x2');
  });
});
