import { FormEvent, useEffect, useState } from 'react';
import { api, ApiRequestError, Hospital, Me, Site } from './api';

/**
 * Placeholder console: sign in and see the hospitals and sites you may see, with
 * their kiosk counts. The full console (fleet, schedules, charts, alerts) is its own issue.
 */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  useEffect(() => {
    api.me().then((r) => setMe(r.user), () => setMe(null));
  }, []);
  if (me === undefined) return <p style={styles.page}>Loading…</p>;
  return me ? <Overview me={me} onLogout={() => setMe(null)} /> : <Login onLogin={setMe} />;
}

function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      onLogin((await api.login(username, password)).user);
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : 'The server cannot be reached');
    }
  };
  return (
    <form onSubmit={submit} style={{ ...styles.page, maxWidth: 320 }} aria-label="Sign in">
      <h1>Wakeward</h1>
      <label>
        Username
        <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" style={styles.input} />
      </label>
      <label>
        Password
        <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" style={styles.input} />
      </label>
      {error && <p role="alert" style={{ color: '#b00020' }}>{error}</p>}
      <button type="submit">Sign in</button>
    </form>
  );
}

function Overview({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const [hospitals, setHospitals] = useState<Hospital[]>([]);
  const [sites, setSites] = useState<(Site & { kiosks?: number })[]>([]);
  useEffect(() => {
    void (async () => {
      setHospitals((await api.hospitals()).items);
      const list = (await api.sites()).items;
      setSites(await Promise.all(list.map(async (s) => ({ ...s, kiosks: await api.kioskCount(s.id) }))));
    })();
  }, []);
  return (
    <main style={styles.page}>
      <header style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <h1>Wakeward</h1>
        <span>
          {me.username} ({me.role}){' '}
          <button onClick={() => api.logout().then(onLogout)}>Sign out</button>
        </span>
      </header>
      {hospitals.map((h) => (
        <section key={h.id}>
          <h2>{h.name}</h2>
          <ul>
            {sites
              .filter((s) => s.hospitalId === h.id)
              .map((s) => (
                <li key={s.id} data-testid="site">
                  {s.name} — {s.kiosks ?? '…'} kiosks — {s.timeZone}
                </li>
              ))}
          </ul>
        </section>
      ))}
    </main>
  );
}

const styles = {
  page: { fontFamily: 'system-ui, sans-serif', margin: '2rem auto', maxWidth: 960, padding: '0 1rem' },
  input: { display: 'block', width: '100%', marginBottom: '0.75rem' },
} as const;
