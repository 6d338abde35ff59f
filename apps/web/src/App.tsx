/**
 * The console shell: sign-in, session expiry, the navigation that follows the
 * user's role, live connection and alert badge, and the pages (loaded on demand so
 * the first download stays small).
 */
import { FormEvent, lazy, ReactNode, Suspense, useCallback, useEffect, useState } from 'react';
import { useAlertText } from './alert-text';
import { Alert, api, ApiRequestError, Me, setSessionEndedHandler } from './api/client';
import { Loading, NoAccess, refusalMessage } from './components/common';
import { ToastProvider, useToast } from './components/Toasts';
import { LOCALES, useI18n, type MessageKey } from './i18n';
import {
  connectLive,
  disconnectLive,
  LIVE_POLL_EVERY_MS,
  setLiveSessionEndedHandler,
  useLiveEvent,
  useLivePoll,
  useLiveStatus,
} from './live';
import { pageTitleKey, usePageTitle } from './page-title';
import { Link, matchPath, navigate, useRoute } from './router';
import { isOps, Session, SessionContext } from './session';

const FleetPage = lazy(() => import('./pages/FleetPage'));
const OverviewPage = lazy(() => import('./pages/OverviewPage'));
const KioskPage = lazy(() => import('./pages/KioskPage'));
const SchedulesPage = lazy(() => import('./pages/SchedulesPage'));
const CalendarPage = lazy(() => import('./pages/CalendarPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const AgentsPage = lazy(() => import('./pages/AgentsPage'));
const AlertsPage = lazy(() => import('./pages/AlertsPage'));
const EnvironmentPage = lazy(() => import('./pages/EnvironmentPage'));
const DispatchesPage = lazy(() => import('./pages/DispatchesPage'));
const NotificationsPage = lazy(() => import('./pages/NotificationsPage'));

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  useEffect(() => {
    api.me().then(
      (r) => setMe(r.user),
      () => setMe(null),
    );
  }, []);
  useEffect(() => {
    // The server ended the session (signed out everywhere, or the account changed), unless a new sign-in in
    // this browser replaced it: then the cookie holds a session that works, and only the live connection is renewed.
    // Told by the live connection or by a request's 401 SESSION_ENDED, whichever arrives first; told once.
    let ending = false;
    const endedByServer = (reason: string) => {
      if (ending) return;
      ending = true;
      disconnectLive();
      void signedInAfterEnd(reason).then((user) => {
        ending = false;
        if (user) {
          connectLive();
          setMe(user);
        } else {
          setNotice('login.ended');
          setMe(null);
        }
      });
    };
    setSessionEndedHandler((code, reason) => {
      if (code === 'SESSION_ENDED') return endedByServer(reason);
      if (ending) return;
      disconnectLive();
      setNotice('login.expired');
      setMe(null);
    });
    setLiveSessionEndedHandler(endedByServer);
    return () => {
      setSessionEndedHandler(null);
      setLiveSessionEndedHandler(null);
    };
  }, []);
  const signedOut = useCallback(() => {
    disconnectLive();
    setNotice('login.signedOut');
    setMe(null);
  }, []);
  if (me === undefined) return <Loading />;
  return (
    <ToastProvider>
      {me ? (
        <Shell me={me} onSignedOut={signedOut} />
      ) : (
        <Login
          notice={notice}
          onLogin={(user) => {
            setNotice(null);
            setMe(user);
          }}
        />
      )}
    </ToastProvider>
  );
}

/**
 * Who the browser's cookie signs in now that the server ended the live connection's session. A new sign-in
 * in this browser ends the session it replaces before its answer (with the new cookie) arrives: wait for it.
 */
async function signedInAfterEnd(reason: string): Promise<Me | null> {
  for (const waitMs of reason === 'replaced' ? [0, 250, 750, 1500] : [0]) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const me = await api.me().then(
      (r) => r.user,
      () => null,
    );
    if (me) return me;
  }
  return null;
}

function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="lang">
      <span className="sr-only">{t('nav.language')}</span>
      <select
        value={locale}
        onChange={(e) => setLocale(e.target.value as typeof locale)}
        data-testid="language"
        aria-label={t('nav.language')}
      >
        {LOCALES.map((l) => (
          <option key={l.id} value={l.id}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Login({ onLogin, notice }: { onLogin: (me: Me) => void; notice: MessageKey | null }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  usePageTitle('login.title');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      onLogin((await api.login(username, password)).user);
    } catch (err) {
      if (err instanceof ApiRequestError) {
        setError(err.status === 401 ? t('login.wrong') : err.status === 429 ? t('login.rateLimited') : refusalMessage(err, t));
      } else setError(t('common.unreachable'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-label={t('login.title')} className="card">
        <div className="login-head">
          <h1>Wakeward</h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t('login.tagline')}</p>
        {notice && (
          <p className="notice" role="status" data-testid="login-notice">
            {t(notice)}
          </p>
        )}
        <label className="field">
          {t('login.username')}
          <input
            name="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
            required
            autoFocus
          />
        </label>
        <label className="field">
          {t('login.password')}
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}

interface NavItem {
  path: string;
  label: MessageKey;
  opsOnly?: boolean;
}
const NAV: NavItem[] = [
  { path: '/overview', label: 'nav.overview' },
  { path: '/fleet', label: 'nav.fleet' },
  { path: '/schedules', label: 'nav.schedules' },
  { path: '/calendar', label: 'nav.calendar' },
  { path: '/agents', label: 'nav.agents', opsOnly: true },
  { path: '/environment', label: 'nav.environment', opsOnly: true },
  { path: '/alerts', label: 'nav.alerts', opsOnly: true },
  { path: '/notifications', label: 'nav.notifications', opsOnly: true },
  { path: '/audit', label: 'nav.audit' },
];

function Shell({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const { t } = useI18n();
  useState(() => connectLive());
  const [session, setSession] = useState<Session | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([api.hospitals(), api.sites()]).then(
      ([h, s]) => setSession({ me, hospitals: h.items, sites: s.items }),
      setLoadError,
    );
  }, [me]);
  const route = useRoute();
  usePageTitle(pageTitleKey(route.path));
  // On a phone the navigation folds behind a menu button; choosing a page folds it again.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route.path]);
  // Ops look after every site: they land on the overview; staff and viewers on their fleet.
  const landing = isOps(me.role) ? '/overview' : '/fleet';
  useEffect(() => {
    if (route.path === '/' || route.path === '/index.html') navigate(landing, { replace: true });
  }, [route.path, landing]);

  const logout = async () => {
    // First: the server's session.ended for this very logout would read as a sign-out from elsewhere.
    disconnectLive();
    await api.logout().catch(() => undefined);
    onSignedOut();
  };
  const nav = NAV.filter((n) => !n.opsOnly || isOps(me.role));
  const noHospitals = session && session.hospitals.length === 0;

  return (
    <div className="shell">
      <header className={`topbar${menuOpen ? ' menu-open' : ''}`}>
        <Link to={landing} className="brand">
          Wakeward
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="topbar-menu"
          onClick={() => setMenuOpen((open) => !open)}
          data-testid="menu"
        >
          {t('nav.menu')}
        </button>
        <nav aria-label={t('nav.main')} id="topbar-menu">
          {nav.map((n) => (
            <Link
              key={n.path}
              to={n.path}
              className={route.path.startsWith(n.path) ? 'active' : ''}
              data-testid={`nav-${n.path.slice(1)}`}
            >
              {t(n.label)}
              {n.path === '/alerts' && <AlertBadge />}
            </Link>
          ))}
        </nav>
        <div className="topbar-right">
          <LiveDot />
          <LanguageSwitch />
          <span className="user" data-testid="user">
            {me.username} · {t(`role.${me.role}` as MessageKey)}
          </span>
          <button onClick={logout} data-testid="logout">
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <main className="content">
        {loadError ? (
          <NoAccess />
        ) : !session ? (
          <Loading />
        ) : noHospitals ? (
          <NoAccess detail={t('noAccess.noHospitals')} />
        ) : (
          <SessionContext.Provider value={session}>
            <Suspense fallback={<Loading />}>
              <Page path={route.path} session={session} />
            </Suspense>
          </SessionContext.Provider>
        )}
      </main>
    </div>
  );
}

function Page({ path, session }: { path: string; session: Session }): ReactNode {
  const ops = isOps(session.me.role);
  const kiosk = matchPath('/kiosks/:id', path);
  if (kiosk) return <KioskPage key={kiosk.id} kioskId={kiosk.id} />;
  if (path.startsWith('/overview')) return <OverviewPage />;
  if (path.startsWith('/fleet')) return <FleetPage />;
  if (path.startsWith('/dispatches')) return <DispatchesPage />;
  if (path.startsWith('/schedules')) return <SchedulesPage />;
  if (path.startsWith('/calendar')) return <CalendarPage />;
  if (path.startsWith('/audit')) return <AuditPage />;
  if (path.startsWith('/agents')) return ops ? <AgentsPage /> : <NoAccess />;
  if (path.startsWith('/environment')) return ops ? <EnvironmentPage /> : <NoAccess />;
  if (path.startsWith('/alerts')) return ops ? <AlertsPage /> : <NoAccess />;
  if (path.startsWith('/notifications')) return ops ? <NotificationsPage /> : <NoAccess />;
  if (path === '/' || path === '/index.html') return null;
  return <NotFound />;
}

function NotFound() {
  const { t } = useI18n();
  return <p className="error">{t('common.pageNotFound')}</p>;
}

function LiveDot() {
  const { t } = useI18n();
  const status = useLiveStatus();
  const live = status === 'connected';
  const title = live
    ? t('live.connected')
    : status === 'unavailable'
      ? t('live.unavailable', { seconds: LIVE_POLL_EVERY_MS / 1000 })
      : t('live.disconnected');
  return (
    <span
      className={`live-dot ${live ? 'on' : status === 'unavailable' ? 'polling' : 'off'}`}
      title={title}
      data-testid="live"
      data-connected={live}
      data-status={status}
    >
      {live ? t('live.short') : status === 'unavailable' ? t('live.pollingShort') : t('live.offShort')}
    </span>
  );
}

/** The number of open alerts, kept current by live events; a toast for each new one. */
function AlertBadge() {
  const { t } = useI18n();
  const toast = useToast();
  const [count, setCount] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api.alerts({ status: 'open', pageSize: 1 }).then(
      (p) => setCount(p.total),
      () => setCount(null),
    );
  }, [version]);
  const { summary } = useAlertText();
  useLiveEvent<Alert>('alert.opened', (a) => {
    setVersion((v) => v + 1);
    toast(t('alerts.newToast', { text: summary(a) }), 'alert');
  });
  useLiveEvent('alert.updated', () => setVersion((v) => v + 1));
  useLivePoll(() => setVersion((v) => v + 1));
  return count ? (
    <span className="badge" data-testid="alert-badge">
      {count}
    </span>
  ) : null;
}
