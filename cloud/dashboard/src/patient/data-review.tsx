/**
 * "Mark data reviewed": records that a person reviewed this month's data (the documentation's "what was
 * reviewed" rests on it), and shows who reviewed it and when this month.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { formatMonth, formatTimeWithZone } from '../components/format.ts';
import { Async, ErrorNotice } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';

export function DataReview({ patientId, patientName, month, timeZone, onChanged }: { patientId: string; patientName: string; month: string; timeZone: string; onChanged: () => void }) {
  const reviews = useLoad((signal) => api(endpoints.dataReviews, { params: { patientId }, query: { month }, signal }), [patientId, month]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const markReviewed = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(endpoints.recordDataReview, { params: { patientId }, body: { month } });
      await reviews.reload();
      onChanged();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="data-review" data-testid="data-review">
      <h3>Data review, {formatMonth(month)}</h3>
      <Async state={reviews} what="this month's data reviews">
        {({ reviews: list }) => (
          <div role="status">
            {list.length === 0 ? (
              <p class="muted">Not reviewed yet this month.</p>
            ) : (
              <ul class="reviews">
                {list.map((r) => (
                  <li key={r.id}>
                    Reviewed by <strong>{r.userName}</strong>, <time dateTime={r.reviewedAt}>{formatTimeWithZone(r.reviewedAt, timeZone)}</time> <span class="muted">(patient's time)</span>
                    {r.note ? `: ${r.note}` : ''}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Async>
      <button type="button" disabled={busy} aria-label={`Mark data reviewed for ${patientName}`} onClick={() => void markReviewed()}>
        Mark data reviewed
      </button>
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
