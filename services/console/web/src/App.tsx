import { lazy, Suspense } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { ErrorBoundary } from './components/error-boundary';
import { useSession, type Role } from './session';
import { SignIn } from './screens/SignIn';
import { MyQueue } from './screens/MyQueue';
import { LeadWork } from './screens/LeadWork';
import { Team } from './screens/Team';
import { Routing } from './screens/Routing';
import { SqlInbox } from './screens/SqlInbox';
import { LeadLookup } from './screens/LeadLookup';
import { RuleSets } from './screens/RuleSets';

// The screens with charts load on first visit, so an SDR's queue does not wait for the charting library.
const Dashboard = lazy(() => import('./screens/Dashboard').then((m) => ({ default: m.Dashboard })));
const RuleSetEditor = lazy(() => import('./screens/RuleSetEditor').then((m) => ({ default: m.RuleSetEditor })));

interface Screen {
  path: string;
  title: string;
  roles: Role[];
}

/** What each role sees, in menu order; the first is the role's home. */
export const SCREENS: Screen[] = [
  { path: '/queue', title: 'My queue', roles: ['sdr'] },
  { path: '/team', title: 'Team', roles: ['sdr_manager', 'admin'] },
  { path: '/routing', title: 'Routing', roles: ['sdr_manager', 'admin'] },
  { path: '/inbox', title: 'SQL inbox', roles: ['sales', 'sdr_manager', 'admin'] },
  { path: '/rules', title: 'Scoring rules', roles: ['marketing_ops', 'admin'] },
  { path: '/reports', title: 'Reports', roles: ['leadership', 'marketing_ops', 'sdr_manager', 'admin'] },
  { path: '/leads', title: 'Lead lookup', roles: ['marketing_ops', 'leadership', 'sdr_manager', 'sales', 'admin'] },
];

export function App() {
  const { session, signOut } = useSession();
  const { pathname } = useLocation();
  if (!session) {
    return (
      <Shell>
        <SignIn />
      </Shell>
    );
  }
  const mine = SCREENS.filter((s) => s.roles.includes(session.role));
  const allowed = (path: string) => mine.some((s) => s.path === path);
  return (
    <Shell
      who={
        <div className="who">
          <span>
            {session.sub} · {session.role.replace('_', ' ')}
          </span>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      }
      nav={
        <nav aria-label="Screens">
          {mine.map((s) => (
            <NavLink key={s.path} to={s.path}>
              {s.title}
            </NavLink>
          ))}
        </nav>
      }
    >
      {mine.length === 0 ? (
        <p className="empty">The role {session.role} has no screens in the console; sign in with another role.</p>
      ) : (
        <ErrorBoundary resetKey={pathname}>
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <Routes>
              {allowed('/queue') && <Route path="/queue" element={<MyQueue />} />}
              {allowed('/queue') && <Route path="/queue/:leadId" element={<LeadWork />} />}
              {allowed('/team') && <Route path="/team" element={<Team />} />}
              {allowed('/team') && <Route path="/team/leads/:leadId" element={<LeadWork />} />}
              {allowed('/routing') && <Route path="/routing" element={<Routing />} />}
              {allowed('/inbox') && <Route path="/inbox" element={<SqlInbox />} />}
              {allowed('/rules') && <Route path="/rules" element={<RuleSets />} />}
              {allowed('/rules') && <Route path="/rules/:id" element={<RuleSetEditor />} />}
              {allowed('/reports') && <Route path="/reports" element={<Dashboard />} />}
              {allowed('/leads') && <Route path="/leads" element={<LeadLookup />} />}
              {allowed('/leads') && <Route path="/leads/:leadId" element={<LeadLookup />} />}
              <Route path="*" element={<Navigate to={mine[0]!.path} replace />} />
            </Routes>
          </Suspense>
        </ErrorBoundary>
      )}
    </Shell>
  );
}

function Shell(props: { children: React.ReactNode; who?: React.ReactNode; nav?: React.ReactNode }) {
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <strong>Handoff</strong>
          <span className="muted">Leads from marketing to sales and back</span>
        </div>
        {props.nav}
        {props.who}
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
