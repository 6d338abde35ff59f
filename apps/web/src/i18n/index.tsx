/**
 * Two languages, chosen by the browser (zh* -> 简体中文, else English), switchable,
 * remembered in localStorage. `t('key', { n: 3 })` fills `{n}`; every key of the
 * English dictionary must exist in the Chinese one (checked by the compiler).
 */
import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: { id: Locale; label: string }[] = [
  { id: 'zh-CN', label: '简体中文' },
  { id: 'en', label: 'English' },
];
const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'wakeward.locale';

export function detectLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh-CN') return stored;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return preferred
    .find((l) => /^(zh|en)/i.test(l))
    ?.toLowerCase()
    .startsWith('zh')
    ? 'zh-CN'
    : 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t: Translate;
  /** Date and time in a site's zone (or the browser's), in the chosen language. */
  dateTime(iso: string | Date, timeZone?: string): string;
  time(iso: string | Date, timeZone?: string): string;
  /** "3 minutes ago" / "3分钟前". */
  ago(iso: string | Date | null): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(detectLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((l: Locale) => {
    localStorage.setItem(STORAGE_KEY, l);
    setLocaleState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const dict = dictionaries[locale];
    const t: Translate = (key, params) => {
      const text = dict[key] ?? en[key] ?? key;
      return params ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : text;
    };
    const dtf = new Map<string, Intl.DateTimeFormat>();
    const format = (kind: 'dt' | 't', timeZone?: string) => {
      const id = `${kind}|${timeZone ?? ''}`;
      let f = dtf.get(id);
      if (!f) {
        f = new Intl.DateTimeFormat(locale, {
          ...(kind === 'dt' ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
          hour: '2-digit',
          minute: '2-digit',
          second: kind === 'dt' ? '2-digit' : undefined,
          hourCycle: 'h23',
          timeZone,
        });
        dtf.set(id, f);
      }
      return f;
    };
    const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    return {
      locale,
      setLocale,
      t,
      dateTime: (iso, tz) => format('dt', tz).format(new Date(iso)),
      time: (iso, tz) => format('t', tz).format(new Date(iso)),
      ago: (iso) => {
        if (!iso) return t('common.never');
        const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
        const abs = Math.abs(s);
        if (abs < 60) return rtf.format(s, 'second');
        if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
        if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
        return rtf.format(Math.round(s / 86400), 'day');
      },
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

export type { MessageKey };
