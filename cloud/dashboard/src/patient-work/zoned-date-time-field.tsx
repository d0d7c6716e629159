/**
 * A date-and-time field on the patient's clock (datetime-local, at most now), described by the form's note
 * that names the zone: the one way the work forms ask "when" (a call, a therapy change, time by hand).
 */
import { localInputValue } from './zoned-time.ts';

export function ZonedDateTimeField({ id, label, value, timeZone, describedBy, onInput }: { id: string; label: string; value: string; timeZone: string; describedBy: string; onInput: (value: string) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="datetime-local" required value={value} max={localInputValue(new Date(), timeZone)} aria-describedby={describedBy} onInput={(e) => onInput(e.currentTarget.value)} />
    </div>
  );
}
