/**
 * Keeping a page's figures current without hammering the API: live events ask for
 * a refetch, which runs once per burst (debounced), and a slow timer refetches
 * anyway while the tab is visible (what no event announces: heartbeats, ageing
 * sightings), once more when the live connection comes back, and on every poll tick
 * while live updates are unavailable (live.ts).
 */
import { useCallback, useEffect, useRef } from 'react';
import { useLiveConnected, useLivePoll } from './live';

export function useRefresh(load: () => void, { debounceMs = 1000, everyMs }: { debounceMs?: number; everyMs: number }) {
  const latest = useRef(load);
  latest.current = load;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const schedule = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, debounceMs);
  }, [debounceMs]);

  useEffect(() => {
    const interval = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current();
    }, everyMs);
    const onVisible = () => document.visibilityState === 'visible' && schedule();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(interval);
      document.removeEventListener('visibilitychange', onVisible);
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [everyMs, schedule]);

  // No events reach a console whose WebSocket cannot get through: poll instead.
  useLivePoll(schedule);

  // Events missed while disconnected are not replayed: catch up once reconnected.
  const connected = useLiveConnected();
  const wasConnected = useRef(connected);
  useEffect(() => {
    if (connected && !wasConnected.current) schedule();
    wasConnected.current = connected;
  }, [connected, schedule]);

  return schedule;
}
