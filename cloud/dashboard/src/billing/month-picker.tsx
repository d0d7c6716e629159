/** The billing month as real URLs: previous and next month links and a month field that navigates. */
import { useLocation } from 'preact-iso';
import { formatMonth, shiftMonth } from '../components/format.ts';
import { paths } from '../paths.ts';

export function MonthPicker({ month }: { month: string }) {
  const { route } = useLocation();
  return (
    <nav class="filters month-picker" aria-label="Billing month">
      <a class="button secondary" href={paths.billingMonth(shiftMonth(month, -1))} title={formatMonth(shiftMonth(month, -1))}>
        <span aria-hidden="true">← </span>Previous month
      </a>
      <label for="billing-month">Month</label>
      <input id="billing-month" type="month" value={month} onChange={(e) => /^\d{4}-\d{2}$/.test(e.currentTarget.value) && route(paths.billingMonth(e.currentTarget.value))} />
      <a class="button secondary" href={paths.billingMonth(shiftMonth(month, 1))} title={formatMonth(shiftMonth(month, 1))}>
        Next month<span aria-hidden="true"> →</span>
      </a>
    </nav>
  );
}
