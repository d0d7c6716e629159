/** Loading and error states: every panel shows one of these instead of going blank. */
import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-load.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNotice({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  return (
    <div class="error-notice" role="alert">
      <p>{error.message}</p>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Renders `children(data)` once loaded; the loading line or the error (with retry) until then. */
export function Async<T>({ state, what, children }: { state: Loaded<T>; what: string; children: (data: T) => ComponentChildren }) {
  if (state.data !== undefined) {
    return (
      <>
        {state.error ? <ErrorNotice error={state.error} onRetry={() => void state.reload()} /> : null}
        {children(state.data)}
      </>
    );
  }
  if (state.error) return <ErrorNotice error={state.error} onRetry={() => void state.reload()} />;
  return <Loading what={what} />;
}
