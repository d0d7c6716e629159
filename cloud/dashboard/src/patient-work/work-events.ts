/**
 * How the work panels and the header's running-timer badge keep each other current without sharing state:
 * a window event after every change. The timer event after a timer starts, stops or is discarded (the badge
 * and the time tracker both re-read GET /v1/timers/current); the work event after anything is recorded on a
 * patient (the documentation form re-reads its prefill, the tracker its entries).
 */
import { useEffect, useRef } from 'preact/hooks';

export const TIMER_EVENT = 'pillcap:timer';
export const WORK_EVENT = 'pillcap:patient-work';

export const announceTimerChange = (): void => void window.dispatchEvent(new Event(TIMER_EVENT));

/** Something was recorded on `patientId` (time, a call, a therapy change, documentation). */
export const announceWorkRecorded = (patientId: string): void => void window.dispatchEvent(new CustomEvent(WORK_EVENT, { detail: { patientId } }));

/** Calls `listener` on every event named `name` while mounted (the latest listener, without re-subscribing). */
export function useWindowEvent(name: string, listener: (event: Event) => void): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const handle = (event: Event) => latest.current(event);
    window.addEventListener(name, handle);
    return () => window.removeEventListener(name, handle);
  }, [name]);
}

/** Calls `listener` when work is recorded on `patientId`. */
export function useWorkRecorded(patientId: string, listener: () => void): void {
  useWindowEvent(WORK_EVENT, (event) => {
    if ((event as CustomEvent<{ patientId?: string }>).detail?.patientId === patientId) listener();
  });
}
