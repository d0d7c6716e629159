/**
 * The signed-in person's running timer, as the server keeps it (GET /v1/timers/current): it survives a reload,
 * a second tab, another page. The clock is the server's elapsedSeconds when read plus the time since on this
 * page's monotonic clock, so a browser whose wall clock is off still shows the time the server will record.
 * Re-read every `pollMs`, when the tab becomes visible again, and on every timer event (work-events.ts).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Timer } from '../api/endpoints.ts';
import { TIMER_EVENT, useWindowEvent } from './work-events.ts';

export interface RunningTimerState {
  /** undefined until first read; null when no timer runs */
  timer: Timer | null | undefined;
  error: Error | undefined;
  /** seconds the timer has run, ticking every second while it runs */
  elapsedSeconds: number;
  reload(): Promise<void>;
}

interface Reading {
  timer: Timer | null;
  /** performance.now() when the server's answer arrived */
  readAt: number;
}

export function useRunningTimer(pollMs = 30_000): RunningTimerState {
  const [reading, setReading] = useState<Reading | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [now, setNow] = useState(() => performance.now());
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const { timer } = await api(endpoints.currentTimer);
      if (mine !== generation.current) return;
      const readAt = performance.now();
      setReading({ timer, readAt });
      setNow(readAt);
      setError(undefined);
    } catch (failure) {
      if (mine === generation.current) setError(failure as Error);
    }
  }, []);

  useEffect(() => {
    void reload();
    const poll = window.setInterval(() => void reload(), pollMs);
    const onVisible = () => document.visibilityState === 'visible' && void reload();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      generation.current += 1;
      window.clearInterval(poll);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [reload, pollMs]);

  useWindowEvent(TIMER_EVENT, () => void reload());

  const running = !!reading?.timer;
  useEffect(() => {
    if (!running) return;
    const tick = window.setInterval(() => setNow(performance.now()), 1000);
    return () => window.clearInterval(tick);
  }, [running]);

  const timer = reading?.timer;
  const elapsedSeconds = timer && reading ? timer.elapsedSeconds + Math.max(0, (now - reading.readAt) / 1000) : 0;
  return { timer: reading ? reading.timer : undefined, error, elapsedSeconds, reload };
}
