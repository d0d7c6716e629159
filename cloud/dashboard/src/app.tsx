/**
 * The workspace shell: session gate, header navigation by role, and the client-side routes (real URLs, see
 * paths.ts). Clinical staff land on the work queue; support staff on the fleet list (and never see a patient);
 * manufacturing on the units.
 */
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { paths, patterns } from './paths.ts';
import { SessionProvider, isClinical, isManufacturing, isSupport, useSession, useSignedIn } from './session.tsx';
import { Loading } from './components/status.tsx';
import { RunningTimerBadge } from './components/running-timer-badge.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { AccountPage } from './pages/account.tsx';
import { WorkQueuePage } from './pages/work-queue.tsx';
import { PatientsPage } from './pages/patients.tsx';
import { PatientPage } from './pages/patient.tsx';
import { EnrolPage } from './pages/enrol.tsx';
import { BillingMonthPage } from './pages/billing-month.tsx';
import { ProgramPage } from './pages/program.tsx';
import { SupportFleetPage } from './pages/support-fleet.tsx';
import { SupportCapPage } from './pages/support-cap.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { UnitsPage } from './pages/units.tsx';

export function App() {
  return (
    <LocationProvider>
      <SessionProvider>
        <Workspace />
      </SessionProvider>
    </LocationProvider>
  );
}

function Workspace() {
  const { state } = useSession();
  if (state.status === 'checking') {
    return (
      <main id="main">
        <Loading what="your session" />
      </main>
    );
  }
  if (state.status === 'signed-out') return <SignInPage reason={state.reason} />;
  if (state.session.mustChangePassword) return <AccountPage mustChange />;
  return <SignedIn />;
}

function NavLink({ href, label, exact }: { href: string; label: string; exact?: boolean }) {
  const { path } = useLocation();
  const current = exact ? path === href : path === href || path.startsWith(`${href}/`);
  return (
    <a href={href} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}

function SignedIn() {
  const session = useSignedIn();
  const { signOut } = useSession();
  const { path, route } = useLocation();
  const role = session.user.role;
  const clinical = isClinical(role);
  const support = isSupport(role);
  const manufacturing = isManufacturing(role);
  const start = clinical ? paths.home : support ? paths.support : paths.units;

  // The sign-in URL means nothing once signed in; support staff have no work queue.
  useEffect(() => {
    if (path === paths.signIn || (path === paths.home && start !== paths.home)) route(start, true);
  }, [path, start, route]);

  const routes = [
    <Route key="home" path={patterns.home} component={clinical ? WorkQueuePage : support ? SupportFleetPage : UnitsPage} />,
    <Route key="account" path={patterns.account} component={AccountPage} />,
    ...(clinical
      ? [
          <Route key="patients" path={patterns.patients} component={PatientsPage} />,
          <Route key="patient" path={patterns.patient} component={PatientPage} />,
          <Route key="enrol" path={patterns.enrol} component={EnrolPage} />,
          <Route key="billing" path={patterns.billing} component={BillingMonthPage} />,
          <Route key="billing-month" path={patterns.billingMonth} component={BillingMonthPage} />,
          <Route key="program" path={patterns.program} component={ProgramPage} />,
        ]
      : []),
    ...(support ? [<Route key="support" path={patterns.support} component={SupportFleetPage} />, <Route key="support-cap" path={patterns.supportCap} component={SupportCapPage} />] : []),
    ...(manufacturing ? [<Route key="units" path={patterns.units} component={UnitsPage} />] : []),
    <Route key="not-found" default component={NotFoundPage} />,
  ];

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">pillcap</span>
        <nav aria-label="Main">
          {clinical ? (
            <>
              <NavLink href={paths.home} label="Work queue" exact />
              <NavLink href={paths.patients} label="Patients" />
              <NavLink href={paths.enrol} label="Enrol" />
              <NavLink href={paths.billing} label="Billing" />
              <NavLink href={paths.program} label="Program" />
            </>
          ) : null}
          {support ? <NavLink href={paths.support} label="Support" /> : null}
          {manufacturing ? <NavLink href={paths.units} label="Units" /> : null}
        </nav>
        <div class="who">
          {clinical ? <RunningTimerBadge /> : null}
          <a href={paths.account} data-testid="who">
            {session.user.name} · {role} · {session.organisation}
          </a>
          <button type="button" onClick={() => void signOut().then(() => route(paths.home))}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Router>{routes}</Router>
      </main>
    </>
  );
}
