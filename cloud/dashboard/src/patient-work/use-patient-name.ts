/**
 * The name of a patient known only by id (a running timer carries just the patient id), read once per
 * page load and shared by the header badge and the time tracker.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';

const names = new Map<string, Promise<string>>();

function nameOf(patientId: string): Promise<string> {
  let name = names.get(patientId);
  if (!name) {
    name = api(endpoints.patient, { params: { patientId } }).then(
      (p) => `${p.name} (${p.reference})`,
      (error) => {
        names.delete(patientId);
        throw error;
      },
    );
    names.set(patientId, name);
  }
  return name;
}

/** "Ada Demo-1 (DEMO-001)" once known; "another patient" until then or when it cannot be read. */
export function usePatientName(patientId: string | null | undefined): string {
  const [name, setName] = useState<{ id: string; name: string } | null>(null);
  useEffect(() => {
    if (!patientId) return;
    let live = true;
    nameOf(patientId).then(
      (n) => live && setName({ id: patientId, name: n }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [patientId]);
  return name && name.id === patientId ? name.name : 'another patient';
}
