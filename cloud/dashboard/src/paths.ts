/**
 * The workspace's real URLs. The server answers index.html for each first segment here
 * (cloud/src/api/plugins/dashboard.ts CLIENT_ROUTE_ROOTS), so every page can be bookmarked and reloaded.
 */
export const paths = {
  home: '/',
  signIn: '/sign-in',
  account: '/account',
  patients: '/patients',
  patient: (patientId: string) => `/patients/${encodeURIComponent(patientId)}`,
  enrol: '/enrol',
  billing: '/billing',
  billingMonth: (month: string) => `/billing/${encodeURIComponent(month)}`,
  program: '/program',
  support: '/support',
  supportCap: (serial: string) => `/support/caps/${encodeURIComponent(serial)}`,
  units: '/units',
} as const;

/** Route patterns for preact-iso's Router (same URLs as `paths`). */
export const patterns = {
  home: '/',
  signIn: '/sign-in',
  account: '/account',
  patients: '/patients',
  patient: '/patients/:patientId',
  enrol: '/enrol',
  billing: '/billing',
  billingMonth: '/billing/:month',
  program: '/program',
  support: '/support',
  supportCap: '/support/caps/:serial',
  units: '/units',
} as const;
