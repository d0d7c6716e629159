/**
 * The billing status (#billing): the current supply period's codes (device supply, set-up) and the month's
 * (treatment management, documentation, data review), each met or with what is still missing. Reloads
 * whenever the page records something (`version`).
 */
import { localDateOf } from '../../../src/billing/local-date.ts';
import { api } from '../api/client.ts';
import { endpoints, type Patient } from '../api/endpoints.ts';
import { formatDate, formatMonth } from '../components/format.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { paths } from '../paths.ts';
import { monthCodeStatuses, periodCodeStatuses } from './billing-status.ts';
import { CodeStatusTable } from './code-status-table.tsx';
import { currentPeriodIndex } from './current-period.ts';
import type { Calendar } from './patient-data-types.ts';
import { supplyStatus } from './supply-status.ts';

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function BillingPanel({ patient, month, calendar, version }: { patient: Patient; month: string; calendar: Calendar | undefined; version: number }) {
  const status = useLoad(
    async (signal) => {
      const params = { patientId: patient.id };
      const [periods, documentation, reviews] = await Promise.all([
        api(endpoints.billingPeriods, { params, signal }),
        api(endpoints.documentation, { params: { ...params, month }, signal }),
        api(endpoints.dataReviews, { params, query: { month }, signal }),
      ]);
      return { periods, documentation, reviews };
    },
    [patient.id, month, version],
  );

  return (
    <Async state={status} what="the billing status">
      {({ periods, documentation, reviews }) => {
        const asOfDate = localDateOf(new Date(periods.asOf), periods.timeZone);
        const index = currentPeriodIndex(periods.periods, asOfDate);
        const period = periods.periods.find((p) => p.index === index);
        const todayMonitored = calendar?.periods.some((p) => p.days.some((d) => d.date === asOfDate && d.monitored)) ?? false;
        const monthLines = monthCodeStatuses({
          minutes: documentation.management.minutes,
          interactiveCommunications: documentation.management.interactiveCommunications,
          codes: documentation.management.codes,
          answers: documentation.answers,
          diagnosis: patient.diagnosis,
          dataReviews: reviews.reviews.length,
        });
        return (
          <>
            {period ? (
              <CodeStatusTable
                testId="period-codes"
                caption={`Supply period #${period.index + 1}, ${formatDate(period.startDate)} to ${formatDate(period.endDate)} (${period.status})`}
                lines={periodCodeStatuses(
                  period,
                  supplyStatus({ bodySystem: patient.bodySystem, startDate: period.startDate, endDate: period.endDate, monitoredDays: period.monitoredDays, asOfDate, todayMonitored }),
                  periods.setup,
                  periods.periods[0]!.index,
                )}
              />
            ) : (
              <p class="muted">No supply period yet: the first starts on {formatDate(patient.monitoringStart)}.</p>
            )}
            <CodeStatusTable testId="month-codes" caption={`${formatMonth(month)}: treatment management and documentation`} lines={monthLines} />
            <p class="hint">
              {capitalise(documentation.management.reason)}
              {documentation.management.excludedMinutes ? ` (${documentation.management.excludedMinutes} min of device logistics recorded, not counted)` : ''}.{' '}
              <a href={paths.billingMonth(month)}>All patients' codes for {formatMonth(month)}</a>
            </p>
          </>
        );
      }}
    </Async>
  );
}
