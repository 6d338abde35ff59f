/** Who is signed in and which hospitals and sites they may see: loaded once by the shell. */
import { createContext, useContext } from 'react';
import type { Hospital, Me, Role, Site } from './api/client';

export interface Session {
  me: Me;
  hospitals: Hospital[];
  sites: Site[];
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}

/** Staff and up may change kiosks and rules (of their hospitals); the server checks again. */
export const canEditFleet = (role: Role) => role === 'admin' || role === 'ops' || role === 'staff';
/** A kiosk's network coordinates and shutdown method reach the hospital's network: ops set them. */
export const canChangeKioskNetwork = (role: Role) => role === 'admin' || role === 'ops';
/** Agents, alerts and the environment are operations' work. */
export const isOps = (role: Role) => role === 'admin' || role === 'ops';
