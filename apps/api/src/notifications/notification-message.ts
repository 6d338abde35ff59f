import { createHmac } from 'node:crypto';
import type { AlertKind } from '../alerts/alert.entity';
import { AlertLanguage, alertKindLabel, alertSummary, kioskLines } from '../alerts/alert-text';
import type { DeliveryEvent } from './notification-delivery.entity';

/** What a notification says, before it is shaped for a channel type. */
export interface NotificationMessage {
  event: DeliveryEvent;
  language: AlertLanguage;
  title: string;
  summary: string;
  /** "Hospital · Site". */
  where: string;
  kiosks: string[];
  /** The console's alerts page, when PUBLIC_ORIGIN names it. */
  link: string | null;
  /** The alert's public fields (generic JSON); null for a test message. */
  alert: Record<string, unknown> | null;
}

const words = {
  en: {
    resolved: 'Resolved',
    test: 'Test message',
    testText: 'This channel works: Wakeward alerts routed to it arrive here.',
    where: 'Where',
    kiosks: 'Kiosks',
    open: 'Open the console',
  },
  'zh-CN': {
    resolved: '已恢复',
    test: '测试消息',
    testText: '通道测试：发往此通道的 Wakeward 告警会送达这里。',
    where: '位置',
    kiosks: '设备',
    open: '打开控制台',
  },
};

export interface AlertFacts {
  kind: AlertKind;
  message: string;
  details: Record<string, unknown> | null;
  public: Record<string, unknown>;
}

/** The message for an alert event (or a test) in the channel's language. */
export function buildMessage(
  event: DeliveryEvent,
  language: AlertLanguage,
  alert: AlertFacts | null,
  context: { hospitalName?: string; siteName?: string; consoleUrl?: string | null },
): NotificationMessage {
  const w = words[language];
  const where = [context.hospitalName, context.siteName].filter(Boolean).join(' · ');
  const link = context.consoleUrl ? `${context.consoleUrl}/alerts` : null;
  const prefix = language === 'zh-CN' ? '【Wakeward】' : '[Wakeward] ';
  if (!alert)
    return {
      event,
      language,
      title: `${prefix}${w.test}`,
      summary: w.testText,
      where,
      kiosks: [],
      link,
      alert: null,
    };
  const label = alertKindLabel(alert.kind, language);
  const separator = language === 'zh-CN' ? '：' : ': ';
  return {
    event,
    language,
    title: `${prefix}${event === 'resolved' ? `${w.resolved}${separator}` : ''}${label}`,
    summary: alertSummary(alert.kind, alert.details, language, alert.message),
    where,
    kiosks: kioskLines(alert.details, language),
    link,
    alert: alert.public,
  };
}

/**
 * Markdown and HTML characters of the robots' markdown, and WeCom's `<@user>` mention,
 * as their full-width forms: kiosk, site and agent names are staff's text, and must
 * read as text, not become a link, an image, a colour or a mention. (Neither robot
 * documents backslash escapes; the full-width forms read the same to a person.
 * Parentheses stay: without "[" no link or image can form.)
 */
const MARKDOWN_LOOKALIKES: Record<string, string> = {
  '*': '＊', '_': '＿', '[': '［', ']': '］', '#': '＃', '>': '＞', '<': '＜',
  '!': '！', '`': '｀', '~': '～', '|': '｜', '@': '＠', '\\': '＼', '&': '＆',
};
export const markdownText = (text: string) => text.replace(/[*_[\]#><!`~|@\\&]/g, (c) => MARKDOWN_LOOKALIKES[c]!);

function markdown(m: NotificationMessage, lineBreak: string): string {
  const w = words[m.language];
  const lines = [`## ${m.title}`, `**${markdownText(m.summary)}**`];
  if (m.where) lines.push(`> ${w.where}${m.language === 'zh-CN' ? '：' : ': '}${markdownText(m.where)}`);
  // The link before the kiosks: a long list is what the robots' size limit cuts.
  if (m.link) lines.push(`[${w.open}](${m.link})`);
  if (m.kiosks.length) lines.push(m.kiosks.map((k) => `- ${markdownText(k)}`).join('\n'));
  return lines.join(lineBreak);
}

/** Cut to at most `bytes` of UTF-8 without splitting a character: robots refuse longer texts. */
export function fitBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let cut = text.slice(0, bytes);
  while (Buffer.byteLength(cut) > bytes - 3) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** WeCom (企业微信) group robot: markdown content, at most 4096 bytes. */
export function wecomBody(m: NotificationMessage) {
  return { msgtype: 'markdown', markdown: { content: fitBytes(markdown(m, '\n'), 4096) } };
}

/** DingTalk (钉钉) custom robot: markdown with a title (the chat list's preview); paragraphs need blank lines. */
export function dingtalkBody(m: NotificationMessage) {
  return { msgtype: 'markdown', markdown: { title: m.title, text: fitBytes(markdown(m, '\n\n'), 4000) } };
}

/** The generic webhook: the alert's public fields and the texts, for the hospital's own paging. */
export function jsonBody(m: NotificationMessage, attempt: number) {
  return {
    event: m.event === 'test' ? 'test' : `alert.${m.event}`,
    attempt,
    title: m.title,
    summary: m.summary,
    where: m.where,
    kiosks: m.kiosks,
    link: m.link,
    alert: m.alert,
  };
}

export function emailContent(m: NotificationMessage): { subject: string; text: string } {
  const w = words[m.language];
  const colon = m.language === 'zh-CN' ? '：' : ': ';
  const lines = [m.summary, ''];
  if (m.where) lines.push(`${w.where}${colon}${m.where}`);
  if (m.kiosks.length) lines.push('', `${w.kiosks}${colon}`, ...m.kiosks.map((k) => `  ${k}`));
  if (m.link) lines.push('', `${w.open}${colon}${m.link}`);
  return { subject: `${m.title} - ${m.summary}`.slice(0, 200), text: lines.join('\n') };
}

/**
 * A DingTalk robot with "加签" (signing) on: `timestamp` (ms) and `sign`, the
 * base64 HMAC-SHA256 of "timestamp\nsecret" keyed with the secret, added to the
 * URL's query (DingTalk refuses a timestamp more than an hour off).
 */
export function dingtalkSignedUrl(url: URL, secret: string, now: number): URL {
  const signed = new URL(url);
  const sign = createHmac('sha256', secret).update(`${now}\n${secret}`).digest('base64');
  signed.searchParams.set('timestamp', String(now));
  signed.searchParams.set('sign', sign);
  return signed;
}
