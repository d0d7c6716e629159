/**
 * Commands to the cap through the downlink, each confirmed first (a reboot interrupts the cap; even a ping is
 * recorded in the audit log under the sender's name), then the API's answer: the command id it was sent as.
 * The cap's own result arrives at its next connection and shows under "Commands sent".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { ErrorNotice } from '../components/status.tsx';
import { COMMANDS, type CommandName } from './commands.ts';
import { supportTime } from './support-labels.ts';

export function CommandPanel({ serial, onSent }: { serial: string; onSent: (commandId: number) => void }) {
  const [pending, setPending] = useState<CommandName | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const command = COMMANDS.find((c) => c.name === pending);

  useEffect(() => {
    if (pending) confirmButton.current?.focus();
  }, [pending]);

  const send = async () => {
    if (!command) return;
    setBusy(true);
    setError(null);
    try {
      const accepted = await api(endpoints.sendCommand, { params: { serial }, body: { command: command.name } });
      setSent(`${command.label} sent to ${accepted.serial} as command #${accepted.commandId} at ${supportTime(new Date().toISOString())}. The cap acts on it at its next connection; its answer appears under Commands sent.`);
      setPending(null);
      onSent(accepted.commandId);
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="command-panel-title">
      <h2 id="command-panel-title">Commands</h2>
      <p class="hint">Sent through the network; the cap receives a command the next time it connects.</p>
      <div class="row">
        {COMMANDS.map((c) => (
          <button
            key={c.name}
            type="button"
            class={c.disruptive ? 'danger' : 'secondary'}
            aria-pressed={pending === c.name}
            disabled={busy}
            onClick={() => {
              setSent(null);
              setError(null);
              setPending(c.name);
            }}
          >
            {c.label}
          </button>
        ))}
      </div>
      {command ? (
        <div class="confirm" role="group" aria-labelledby="confirm-command-title" data-testid="confirm-command">
          <p id="confirm-command-title">
            <strong>
              Send “{command.label}” to {serial}?
            </strong>{' '}
            {command.explain}
          </p>
          <div class="row">
            <button ref={confirmButton} type="button" class={command.disruptive ? 'danger' : undefined} disabled={busy} onClick={() => void send()}>
              {busy ? 'Sending…' : `Send ${command.label.toLowerCase()}`}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
      <p class="ok" role="status" data-testid="command-status">
        {sent ?? ''}
      </p>
    </section>
  );
}
