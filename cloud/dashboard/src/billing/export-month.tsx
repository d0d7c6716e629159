/**
 * "Export": stores the month's report as an export (closed periods are snapshotted, later data flags them
 * amended) and downloads the CSV the API produced, byte for byte. The file stays offered until the next
 * export.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { ErrorNotice } from '../components/status.tsx';
import { formatMonth, plural } from '../components/format.ts';
import { csvDataLines, downloadCsv } from './download-csv.ts';

export function ExportMonth({ month, organisation, onExported }: { month: string; organisation: string; onExported: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [file, setFile] = useState<{ url: string; name: string; rows: number } | null>(null);
  useEffect(() => () => void (file && URL.revokeObjectURL(file.url)), [file]);
  useEffect(() => setFile(null), [month]);

  const exportMonth = async () => {
    setBusy(true);
    setError(null);
    try {
      const csv = await api(endpoints.exportMonth, { params: { month }, query: { format: 'csv' } });
      const name = `billing-${organisation}-${month}.csv`;
      setFile({ url: downloadCsv(csv, name), name, rows: csvDataLines(csv) });
      onExported();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="export-month">
      <button type="button" onClick={() => void exportMonth()} disabled={busy}>
        Export
      </button>
      <span class="hint"> Stores {formatMonth(month)} as an export and downloads its CSV. Open periods are not frozen: export again after they close.</span>
      {busy ? (
        <p class="muted" role="status">
          Exporting…
        </p>
      ) : null}
      {file ? (
        <p class="ok" role="status">
          Exported {plural(file.rows, 'row')}.{' '}
          <a href={file.url} download={file.name}>
            Download {file.name} again
          </a>
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} onRetry={() => void exportMonth()} /> : null}
    </div>
  );
}
