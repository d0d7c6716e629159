/**
 * The signed-in person: a server-side session (HttpOnly cookie) whose CSRF token lives in memory only. On
 * load, GET /v1/session recovers the session after a reload (and a fresh CSRF token); any 401 afterwards
 * means the session ended, and the workspace returns to sign-in. No API token ever reaches the browser.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, onSessionEnded, setCsrfToken } from './api/client.ts';
import { endpoints, type SessionInfo } from './api/endpoints.ts';

export type SessionState =
  | { status: 'checking' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; session: SessionInfo };

export interface SessionApi {
  state: SessionState;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** after a password change: the session is unchanged but no longer must change it */
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });

  const adopt = useCallback((session: SessionInfo) => {
    setCsrfToken(session.csrfToken);
    setState({ status: 'signed-in', session });
  }, []);

  const refresh = useCallback(async () => {
    try {
      adopt(await api(endpoints.session));
    } catch (error) {
      setCsrfToken(null);
      setState({ status: 'signed-out', ...(error instanceof ApiError && error.status !== 401 && error.status !== 404 ? { reason: error.message } : {}) });
    }
  }, [adopt]);

  useEffect(() => {
    onSessionEnded(() => {
      setCsrfToken(null);
      setState({ status: 'signed-out', reason: 'Your session ended. Sign in again to go on.' });
    });
    void refresh();
    return () => onSessionEnded(null);
  }, [refresh]);

  const value = useMemo<SessionApi>(
    () => ({
      state,
      refresh,
      signIn: async (email, password) => adopt(await api(endpoints.signIn, { body: { email, password } })),
      signOut: async () => {
        await api(endpoints.signOut).catch(() => undefined);
        setCsrfToken(null);
        setState({ status: 'signed-out' });
      },
    }),
    [state, adopt, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in session (pages render only when signed in). */
export function useSignedIn(): SessionInfo {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useSignedIn while not signed in');
  return state.session;
}

export const CLINICAL_ROLES = ['clinician', 'coordinator', 'admin'] as const;
export const isClinical = (role: string): boolean => (CLINICAL_ROLES as readonly string[]).includes(role);
export const isSupport = (role: string): boolean => role === 'support' || role === 'admin';
export const isManufacturing = (role: string): boolean => role === 'manufacturing' || role === 'admin';
