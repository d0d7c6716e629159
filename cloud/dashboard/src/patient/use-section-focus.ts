/**
 * Lands a bookmarked or linked fragment (/patients/ID#alerts) on its section once the page has rendered its
 * sections: scrolls there and moves keyboard focus to it, so a screen reader starts where the link pointed.
 * The browser's scroll anchoring keeps the section in view while the panels above it finish loading.
 */
import { useEffect } from 'preact/hooks';
import { PATIENT_SECTIONS, type PatientSectionId } from './patient-section.tsx';

const isSection = (id: string): id is PatientSectionId => (PATIENT_SECTIONS as readonly string[]).includes(id);

/** `ready`: the sections are in the DOM; `url` changes on in-app navigation (a new fragment included). */
export function useSectionFocus(ready: boolean, url: string): void {
  useEffect(() => {
    if (!ready) return;
    const focusFragment = () => {
      const id = decodeURIComponent(window.location.hash.slice(1));
      if (!isSection(id)) return;
      const section = document.getElementById(id);
      if (!section) return;
      section.scrollIntoView({ block: 'start' });
      section.focus({ preventScroll: true });
    };
    // after the router's own scroll to the top on navigation
    const frame = requestAnimationFrame(focusFragment);
    window.addEventListener('hashchange', focusFragment);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('hashchange', focusFragment);
    };
  }, [ready, url]);
}
