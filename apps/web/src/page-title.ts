/**
 * The browser tab's title for each console page ("Fleet · Wakeward"), in the chosen
 * language: set in one place from the route, so a page cannot forget it.
 */
import { useEffect } from 'react';
import { useI18n, type MessageKey } from './i18n';
import { matchPath } from './router';

const PAGE_TITLES: { prefix: string; title: MessageKey }[] = [
  { prefix: '/overview', title: 'nav.overview' },
  { prefix: '/fleet', title: 'nav.fleet' },
  { prefix: '/dispatches', title: 'title.dispatches' },
  { prefix: '/schedules', title: 'nav.schedules' },
  { prefix: '/calendar', title: 'nav.calendar' },
  { prefix: '/audit', title: 'nav.audit' },
  { prefix: '/agents', title: 'nav.agents' },
  { prefix: '/environment', title: 'nav.environment' },
  { prefix: '/alerts', title: 'nav.alerts' },
  { prefix: '/notifications', title: 'nav.notifications' },
];

/** The title's message key for a console path; null for the root, which redirects at once. */
export function pageTitleKey(path: string): MessageKey | null {
  if (matchPath('/kiosks/:id', path)) return 'title.kiosk';
  if (path === '/' || path === '/index.html') return null;
  return PAGE_TITLES.find((p) => path.startsWith(p.prefix))?.title ?? 'title.notFound';
}

/** Sets document.title to "<page> · Wakeward" (just "Wakeward" for a null key). */
export function usePageTitle(key: MessageKey | null): void {
  const { t } = useI18n();
  const page = key ? t(key) : null;
  useEffect(() => {
    document.title = page ? `${page} · Wakeward` : 'Wakeward';
  }, [page]);
}
