/** Sign-in with email and password: the session cookie of POST /v1/session (no tokens in the browser). */
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { useSession } from '../session.tsx';

export function SignInPage({ reason }: { reason?: string }) {
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (failure) {
      const status = failure instanceof ApiError ? failure.status : 0;
      setError(status === 401 ? 'That email and password do not match an account.' : (failure as Error).message);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>pillcap clinic workspace</h1>
      <form class="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        {reason ? (
          <p class="notice" role="status">
            {reason}
          </p>
        ) : null}
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" spellcheck={false} required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="error" role="alert" data-testid="sign-in-error">
          {error ?? ''}
        </p>
        <p class="hint">Accounts are created by your clinic's administrator (or `pillcap users create`). The demo prints its sign-ins when `npm start` runs.</p>
      </form>
    </main>
  );
}
