/**
 * What a minute of staff time was spent on. Treatment management (98979-98981, billing-rules.md §1.1, §3.4)
 * is "care management services" with the patient's data; shipping a cap, troubleshooting it or replacing it
 * is device logistics, which belongs to the device-supply codes' cost and never adds minutes to management.
 * Device-logistics time is still recorded and shown, so the clinic sees where its time goes.
 */
export const TIME_CATEGORIES = ['data_review', 'treatment_management', 'patient_communication', 'care_coordination', 'documentation', 'device_logistics'] as const;
export type TimeCategory = (typeof TIME_CATEGORIES)[number];

/** Categories that never count toward 98979-98981. */
export const NON_MANAGEMENT_CATEGORIES: readonly TimeCategory[] = ['device_logistics'];

export const countsTowardManagement = (category: string | null | undefined): boolean =>
  !(NON_MANAGEMENT_CATEGORIES as readonly string[]).includes(category ?? 'treatment_management');
