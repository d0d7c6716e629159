/** Straight to one cap by the serial a caller reads off its base (the support desk's first question). */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { paths } from '../paths.ts';

const SERIAL = /^[A-Z0-9-]{4,32}$/;

export function SerialSearch() {
  const { route } = useLocation();
  const [serial, setSerial] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      class="row"
      role="search"
      aria-label="Find a cap"
      onSubmit={(e) => {
        e.preventDefault();
        const wanted = serial.trim().toUpperCase();
        if (!SERIAL.test(wanted)) return setProblem('A serial is 4 to 32 letters, digits and dashes, as printed under the cap (e.g. PC-000123).');
        setProblem(null);
        route(paths.supportCap(wanted));
      }}
    >
      <label for="serial-search">Cap serial</label>
      <input id="serial-search" value={serial} onInput={(e) => setSerial(e.currentTarget.value)} placeholder="PC-000123" spellcheck={false} autoComplete="off" aria-describedby={problem ? 'serial-search-problem' : undefined} />
      <button type="submit">Open cap</button>
      {problem ? (
        <p id="serial-search-problem" class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
