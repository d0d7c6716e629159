/** The caller's running timer, in the header on every page (being built). */
export function RunningTimerBadge() {
  return null;
}
