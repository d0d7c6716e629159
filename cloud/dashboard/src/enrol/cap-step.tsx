/**
 * The cap for a newly enrolled patient: one from the clinic's stock (its caps no patient holds), assigned
 * now, or, with none to hand, "ship a cap" recorded with where it goes. Each shipment requested is listed
 * with who asked and when.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { Async } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatTimeWithZone, formatTime } from '../components/format.ts';
import { placeErrors } from './field-errors.ts';
import { controlProps, FormField } from './form-field.tsx';

export function CapStep({ patientId, patientName, timeZone, onChanged }: { patientId: string; patientName: string; timeZone: string; onChanged: () => void }) {
  const stock = useLoad((signal) => api(endpoints.stockCaps, { query: { limit: 200 }, signal }), [patientId]);
  const shipments = useLoad((signal) => api(endpoints.capShipments, { params: { patientId }, signal }), [patientId]);
  const [serial, setSerial] = useState('');
  const [note, setNote] = useState('');
  const [assignError, setAssignError] = useState<string | undefined>();
  const [shipError, setShipError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [shipped, setShipped] = useState<string | null>(null);

  const assign = async (event: Event) => {
    event.preventDefault();
    if (!serial) return setAssignError('choose a cap from the stock');
    setBusy(true);
    setAssignError(undefined);
    try {
      await api(endpoints.assignCap, { params: { patientId }, body: { serial } });
      onChanged();
      void stock.reload();
    } catch (failure) {
      const placed = placeErrors(failure, ['serial']);
      setAssignError(placed.fields.serial ?? placed.general.join('; '));
    } finally {
      setBusy(false);
    }
  };

  const ship = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setShipError(undefined);
    try {
      const created = await api(endpoints.requestCapShipment, { params: { patientId }, body: { addressNote: note } });
      setShipped(`Cap shipment recorded ${formatTimeWithZone(created.requestedAt, timeZone)} by ${created.requestedBy.name}.`);
      setNote('');
      onChanged();
      void shipments.reload();
    } catch (failure) {
      const placed = placeErrors(failure, ['addressNote']);
      setShipError(placed.fields.addressNote ?? placed.general.join('; '));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="cap-step" aria-labelledby="cap-step-title">
      <h3 id="cap-step-title">Cap for {patientName}</h3>
      <div class="grid">
        <form onSubmit={assign} noValidate aria-labelledby="assign-title">
          <h4 id="assign-title">Assign a cap from stock</h4>
          <Async state={stock} what="the caps in stock">
            {(list) =>
              list.caps.length === 0 ? (
                <p class="muted" data-testid="no-stock">
                  No cap in stock: ship one to the patient instead.
                </p>
              ) : (
                <>
                  <FormField id="stock-serial" label="Cap from stock" error={assignError}>
                    <select {...controlProps('stock-serial', assignError)} value={serial} onChange={(e) => setSerial(e.currentTarget.value)}>
                      <option value="">Choose a cap…</option>
                      {list.caps.map((c) => (
                        <option key={c.serial} value={c.serial}>
                          {c.serial}
                          {c.lastSeenAt ? ` · last report ${formatTime(c.lastSeenAt, timeZone)}` : ' · never reported'}
                        </option>
                      ))}
                    </select>
                  </FormField>
                  <button type="submit" disabled={busy}>
                    Assign cap
                  </button>
                </>
              )
            }
          </Async>
        </form>
        <form onSubmit={ship} noValidate aria-labelledby="ship-title">
          <h4 id="ship-title">Or ship a cap to the patient</h4>
          <FormField id="ship-note" label="Shipping address or note" error={shipError} hint="Where the cap goes; kept with the patient, not in the audit log.">
            <textarea {...controlProps('ship-note', shipError, 'hint')} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </FormField>
          <button type="submit" class="secondary" disabled={busy}>
            Ship a cap
          </button>
          {shipped ? (
            <p class="ok" role="status">
              {shipped}
            </p>
          ) : null}
        </form>
      </div>
      <Async state={shipments} what="the cap shipments">
        {(list) =>
          list.shipments.length === 0 ? null : (
            <>
              <h4>Shipments requested</h4>
              <ul class="shipments" aria-label="Cap shipments requested">
                {list.shipments.map((s) => (
                  <li key={s.id}>
                    {formatTimeWithZone(s.requestedAt, timeZone)} by {s.requestedBy.name}: {s.addressNote}
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Async>
    </section>
  );
}
