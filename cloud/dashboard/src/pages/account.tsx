/** The signed-in person's account: change the password (required after an admin reset). */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { useSession } from '../session.tsx';

export function AccountPage({ mustChange }: { mustChange?: boolean }) {
  const { refresh, signOut } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api(endpoints.changePassword, { body: { currentPassword: current, newPassword: next } });
      setMessage({ ok: true, text: 'Password changed.' });
      setCurrent('');
      setNext('');
      await refresh();
    } catch (failure) {
      setMessage({ ok: false, text: (failure as Error).message });
    }
  };

  const form = (
    <form class="card" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">{mustChange ? 'Choose a new password to go on' : 'Change password'}</h2>
      <label for="current-password">Current password</label>
      <input id="current-password" type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
      <label for="new-password">New password</label>
      <input id="new-password" type="password" autoComplete="new-password" required minLength={12} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
      <button type="submit">Change password</button>
      <p class={message?.ok ? 'ok' : 'error'} role="status">
        {message?.text ?? ''}
      </p>
      {mustChange ? (
        <button type="button" class="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      ) : null}
    </form>
  );
  return mustChange ? <main id="main" class="sign-in">{form}</main> : form;
}
