/**
 * The supply period's calendar: its 30 days, monitored or not (future days marked), the count against 30
 * and where the period stands against the supply tiers. Opens on the current period; earlier ones by picker.
 */
import { useState } from 'preact/hooks';
import { formatDate } from '../components/format.ts';
import { currentPeriodIndex } from './current-period.ts';
import type { Calendar, CalendarDay } from './patient-data-types.ts';
import { supplyStatus } from './supply-status.ts';

const PERIOD_STATUS: Record<string, string> = { open: 'open', closed: 'closed', exported: 'exported', amended: 'amended after export' };

function dayState(day: CalendarDay): string {
  if (day.future) return 'still to come';
  if (day.monitored) return `monitored (${day.events} ${day.events === 1 ? 'event' : 'events'})`;
  return day.deviceActive ? 'cap active, not a monitored day' : 'no data';
}

export function SupplyCalendar({ calendar, bodySystem }: { calendar: Calendar; bodySystem: string }) {
  const current = currentPeriodIndex(calendar.periods, calendar.asOfDate);
  const [chosen, setChosen] = useState<number | null>(null);
  const index = chosen ?? current;
  const period = calendar.periods.find((p) => p.index === index);
  if (!period) return <p class="muted">No supply period yet: the first starts on the monitoring start date.</p>;

  const todayMonitored = period.days.some((d) => d.date === calendar.asOfDate && d.monitored);
  const status = supplyStatus({ bodySystem, startDate: period.startDate, endDate: period.endDate, monitoredDays: period.monitoredDays, asOfDate: calendar.asOfDate, todayMonitored });
  return (
    <>
      {calendar.periods.length > 1 ? (
        <div class="filters">
          <label for="supply-period">Supply period</label>
          <select id="supply-period" value={String(period.index)} onChange={(e) => setChosen(Number(e.currentTarget.value))}>
            {calendar.periods.map((p) => (
              <option key={p.index} value={String(p.index)}>
                #{p.index + 1}: {formatDate(p.startDate)} to {formatDate(p.endDate)} ({PERIOD_STATUS[p.status] ?? p.status}
                {p.index === current ? ', current' : ''})
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div class="period-head">
        <p class="period-count">
          <strong data-testid="calendar-count">
            {period.monitoredDays} / {status.periodDays}
          </strong>{' '}
          monitored days · period #{period.index + 1}, {formatDate(period.startDate)} to {formatDate(period.endDate)} ({PERIOD_STATUS[period.status] ?? period.status})
        </p>
        <p class={`tier reach-${status.reach}`} data-testid="calendar-tier">
          {status.text}
        </p>
      </div>
      <ol class="calendar" aria-label={`Days of period #${period.index + 1}`}>
        {period.days.map((day) => (
          <li key={day.date} class={`day${day.monitored ? ' monitored' : ''}${day.future ? ' future' : ''}${day.date === calendar.asOfDate ? ' today' : ''}`} title={`${formatDate(day.date)}: ${dayState(day)}`}>
            <span aria-hidden="true">{formatDate(day.date).replace(/^\w+, /, '')}</span>
            <span class="visually-hidden">
              {formatDate(day.date)}
              {day.date === calendar.asOfDate ? ' (today)' : ''}: {dayState(day)}
            </span>
          </li>
        ))}
      </ol>
      <p class="legend hint">
        <span class="swatch monitored" aria-hidden="true" /> monitored day <span class="swatch" aria-hidden="true" /> no monitored data <span class="swatch future" aria-hidden="true" /> still to come · dates in{' '}
        {calendar.timeZone} (patient's zone)
      </p>
    </>
  );
}
