/** The patient's care plan, or null when none has been saved yet (the API's 404 for the plan, not an error). */
import { api, ApiError } from '../api/client.ts';
import { endpoints, type CarePlan } from '../api/endpoints.ts';
import { useLoad, type Loaded } from '../components/use-load.ts';

export function useCarePlan(patientId: string): Loaded<CarePlan | null> {
  return useLoad(
    (signal) =>
      api(endpoints.carePlan, { params: { patientId }, signal }).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [patientId],
  );
}
