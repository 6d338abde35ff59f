/**
 * Live updates over socket.io (same origin, session cookie). One connection per
 * signed-in session; pages subscribe to events with `useLiveEvent`.
 *
 * WebSocket transport only: socket.io's default start, HTTP long-polling, needs every
 * request of a connection to reach the same API replica, which a balancer without
 * stickiness does not do ("Session ID unknown"). A WebSocket is one connection, held
 * by one replica, and events reach every replica through Redis.
 *
 * Where no WebSocket gets through (a proxy that strips Upgrade), the console says
 * live updates are unavailable and falls back to polling, which needs no stickiness
 * either: once the connection has been down for LIVE_UNAVAILABLE_AFTER_MS, about
 * every LIVE_POLL_EVERY_MS a poll tick asks every page to refetch (`useLivePoll`; pages
 * built on `useRefresh` get it without asking). socket.io keeps trying meanwhile.
 *
 * Many consoles fall back together when a proxy or the API has trouble, so the ticks
 * must not make it worse: each waits ±LIVE_POLL_JITTER of its interval at random (the
 * consoles drift apart instead of asking in step), the interval doubles up to
 * LIVE_POLL_MAX_MS while the API's answers fail (5xx, network errors; reported by the
 * API client through `apiRequestStarted`), and a tick is skipped while a request of
 * the console is still unanswered.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { io, Socket } from 'socket.io-client';

/** How long the connection may be down before the console says so and starts polling. */
export const LIVE_UNAVAILABLE_AFTER_MS = 15_000;
/** How often pages refetch while live updates are unavailable (and the API answers). */
export const LIVE_POLL_EVERY_MS = 15_000;
/** The longest interval between poll ticks while the API's answers fail. */
export const LIVE_POLL_MAX_MS = 120_000;
/** Each tick comes this fraction of its interval early or late, at random. */
export const LIVE_POLL_JITTER = 0.2;

/** `connecting` also covers a short outage; `unavailable` is one that lasted: pages poll. */
export type LiveStatus = 'connected' | 'connecting' | 'unavailable';

let socket: Socket | null = null;
let status: LiveStatus = 'connecting';
let onSessionEnded: ((reason: string) => void) | null = null;
let unavailableTimer: ReturnType<typeof setTimeout> | null = null;
let pollTimer: ReturnType<typeof setTimeout> | null = null;
let pollIntervalMs = LIVE_POLL_EVERY_MS;
/** API requests under way, and how those finished since the last tick went. */
let requestsInFlight = 0;
let failedSinceTick = false;
let answeredSinceTick = false;
const statusListeners = new Set<() => void>();
const pollListeners = new Set<() => void>();

const setStatus = (value: LiveStatus) => {
  if (status === value) return;
  status = value;
  statusListeners.forEach((l) => l());
};

/** Down: after a while, say so and poll; up: stop both. */
function watchOutage(down: boolean): void {
  if (!down) {
    if (unavailableTimer) clearTimeout(unavailableTimer);
    if (pollTimer) clearTimeout(pollTimer);
    unavailableTimer = pollTimer = null;
    return;
  }
  if (unavailableTimer || pollTimer) return;
  unavailableTimer = setTimeout(() => {
    unavailableTimer = null;
    setStatus('unavailable');
    pollIntervalMs = LIVE_POLL_EVERY_MS;
    failedSinceTick = answeredSinceTick = false;
    schedulePollTick();
  }, LIVE_UNAVAILABLE_AFTER_MS);
}

function schedulePollTick(): void {
  const jitter = 1 + (Math.random() * 2 - 1) * LIVE_POLL_JITTER;
  pollTimer = setTimeout(() => {
    // Any failure since the last tick: the API (or the way to it) is in trouble, ask half as often.
    if (failedSinceTick) pollIntervalMs = Math.min(pollIntervalMs * 2, LIVE_POLL_MAX_MS);
    else if (answeredSinceTick) pollIntervalMs = LIVE_POLL_EVERY_MS;
    failedSinceTick = answeredSinceTick = false;
    // A slow API: the last tick's requests are still waiting; another round would only queue behind them.
    if (document.visibilityState === 'visible' && requestsInFlight === 0) pollListeners.forEach((l) => l());
    schedulePollTick();
  }, pollIntervalMs * jitter);
}

/**
 * The API client calls this as a request starts, and what it returns when it ends:
 * `failed` for a network error or a 5xx answer (4xx are answers: the API is fine).
 */
export function apiRequestStarted(): (failed: boolean) => void {
  requestsInFlight++;
  let ended = false;
  return (failed) => {
    if (ended) return;
    ended = true;
    requestsInFlight--;
    if (failed) failedSinceTick = true;
    else answeredSinceTick = true;
  };
}

export function connectLive(): void {
  if (socket) return;
  socket = io({ path: '/socket.io', transports: ['websocket'], withCredentials: true, reconnectionDelayMax: 10_000 });
  setStatus('connecting');
  watchOutage(true);
  socket.on('connect', () => {
    watchOutage(false);
    setStatus('connected');
  });
  socket.on('disconnect', () => {
    setStatus('connecting');
    watchOutage(true);
  });
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
  watchOutage(false);
  setStatus('connecting');
}

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    () => status,
  );
}

export function useLiveConnected(): boolean {
  return useLiveStatus() === 'connected';
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

/** Calls the latest `refetch` on every poll tick while live updates are unavailable (see above). */
export function useLivePoll(refetch: () => void): void {
  const latest = useRef(refetch);
  latest.current = refetch;
  useEffect(() => {
    const listener = () => latest.current();
    pollListeners.add(listener);
    return () => {
      pollListeners.delete(listener);
    };
  }, []);
}
