/**
 * The clinic's patients (/patients): reference, name, the current supply period's monitored days and the
 * cap, each row opening the patient page. Pages of the API's list load on demand ("Show more"); the search
 * box filters what is loaded by name or reference, and says so while more remain.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type PatientSummary } from '../api/endpoints.ts';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { paths } from '../paths.ts';

const PAGE_SIZE = 200;

interface Listing {
  patients: PatientSummary[];
  next: string | null;
}

function PeriodDays({ patient }: { patient: PatientSummary }) {
  const period = patient.currentPeriod;
  if (!period) return <span class="muted">no period yet</span>;
  return (
    <span>
      <strong>{period.monitoredDays}</strong> / 30 <span class="muted">(period #{period.index + 1}{period.supplyCode ? `, ${period.supplyCode}` : ''})</span>
    </span>
  );
}

export function PatientsPage() {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [search, setSearch] = useState('');

  const load = async (after: string | null, signal?: AbortSignal) => {
    setError(null);
    setLoadingMore(true);
    try {
      const page = await api(endpoints.patients, { query: { limit: PAGE_SIZE, ...(after ? { after } : {}) }, signal });
      setListing((previous) => ({ patients: [...(after && previous ? previous.patients : []), ...page.patients], next: page.next }));
    } catch (failure) {
      if ((failure as Error).name !== 'AbortError') setError(failure as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, []);

  const needle = search.trim().toLowerCase();
  const shown = (listing?.patients ?? []).filter((p) => !needle || p.name.toLowerCase().includes(needle) || p.reference.toLowerCase().includes(needle));

  return (
    <section aria-labelledby="patients-title">
      <div class="page-head">
        <h1 id="patients-title">Patients</h1>
        <a class="button secondary" href={paths.enrol}>
          Enrol a patient
        </a>
      </div>
      <div class="filters">
        <label for="patient-search">Search patients</label>
        <input id="patient-search" type="search" placeholder="Name or reference" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        {listing ? (
          <span class="muted" role="status">
            {needle ? `${shown.length} of ${listing.patients.length} loaded patients match` : `${listing.patients.length} patients${listing.next ? ' loaded' : ''}`}
          </span>
        ) : null}
      </div>
      {error ? <ErrorNotice error={error} onRetry={() => void load(listing?.next ?? null)} /> : null}
      {!listing ? (
        error ? null : <Loading what="patients" />
      ) : (
        <>
          <table class="patients-table card">
            <caption class="visually-hidden">The clinic's patients</caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Name</th>
                <th scope="col">Current period</th>
                <th scope="col">Cap</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.id} data-reference={p.reference}>
                  <td>{p.reference}</td>
                  <th scope="row">
                    <a href={paths.patient(p.id)}>{p.name}</a>
                  </th>
                  <td>
                    <PeriodDays patient={p} />
                  </td>
                  <td>{p.device ?? <span class="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p class="card">{needle ? `No loaded patient matches "${search.trim()}".` : 'No patients yet: enrol the first one.'}</p> : null}
          {listing.next ? (
            <p class="row">
              <button type="button" class="secondary" disabled={loadingMore} onClick={() => void load(listing.next)}>
                Show more patients
              </button>
              {needle ? <span class="muted">The search covers the patients loaded so far.</span> : null}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
