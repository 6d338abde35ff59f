/**
 * Live updates over socket.io (same origin, session cookie). One connection per
 * signed-in session; pages subscribe to events with `useLiveEvent`.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { io, Socket } from 'socket.io-client';

let socket: Socket | null = null;
let connected = false;
let onSessionEnded: ((reason: string) => void) | null = null;
const statusListeners = new Set<() => void>();
const setConnected = (value: boolean) => {
  connected = value;
  statusListeners.forEach((l) => l());
};

export function connectLive(): void {
  if (socket) return;
  socket = io({ path: '/socket.io', withCredentials: true, reconnectionDelayMax: 10_000 });
  socket.on('connect', () => setConnected(true));
  socket.on('disconnect', () => setConnected(false));
  // Sent just before the server closes the socket: the session it was opened with ended (a logout, an account change).
  socket.on('session.ended', (ended: { reason?: string }) => onSessionEnded?.(ended?.reason ?? ''));
}

/** The shell registers here to be told when the server ends the session the live connection belongs to. */
export function setLiveSessionEndedHandler(handler: ((reason: string) => void) | null): void {
  onSessionEnded = handler;
}

export function disconnectLive(): void {
  socket?.disconnect();
  socket = null;
  setConnected(false);
}

export function useLiveConnected(): boolean {
  return useSyncExternalStore(
    (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    () => connected,
  );
}

/** Calls the latest `handler` for every `event`; the subscription lives as long as the component. */
export function useLiveEvent<T>(event: string, handler: (payload: T) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const s = socket;
    if (!s) return;
    const listener = (payload: T) => latest.current(payload);
    s.on(event, listener);
    return () => {
      s.off(event, listener);
    };
  }, [event]);
}
