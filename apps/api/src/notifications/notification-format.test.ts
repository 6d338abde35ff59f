import { describe, expect, it } from 'vitest';
import { buildMessage, dingtalkBody, dingtalkSignedUrl, fitBytes, wecomBody } from './notification-message';
import { requiresTls } from './channel-sender';
import { webhookAddressRefusal } from './webhook-address';

describe('where webhooks may go', () => {
  it('public addresses only, unless the subnet is allowed', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(webhookAddressRefusal(ip, []), ip).not.toBeNull();
    }
    for (const ip of ['203.0.113.10', '101.226.103.106', '2400:3200::1'])
      expect(webhookAddressRefusal(ip, []), ip).toBeNull();
    expect(webhookAddressRefusal('10.20.1.5', ['10.20.0.0/16'])).toBeNull();
    expect(webhookAddressRefusal('10.21.1.5', ['10.20.0.0/16'])).toMatch(/private address \(10\.0\.0\.0\/8\)/);
  });
});

describe('robot formats', () => {
  it('DingTalk signing: HMAC-SHA256 of "timestamp\\nsecret", base64, in the query beside the token', () => {
    const url = dingtalkSignedUrl(
      new URL('https://oapi.dingtalk.com/robot/send?access_token=abc'),
      'SECsecret',
      1_700_000_000_000,
    );
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe('1700000000000');
    // Computed independently: printf '1700000000000\nSECsecret' | openssl dgst -sha256 -hmac SECsecret -binary | base64
    expect(url.searchParams.get('sign')).toBe('0QWYb8Ux63Sm4BhHaJNL3lv5mqW1sLFoks7vu+HFFi4=');
  });

  it('WeCom content stays within 4096 bytes without splitting a character', () => {
    const kiosks = Array.from({ length: 500 }, (_, i) => ({ id: `k${i}`, code: `门诊-${i}`, name: '自助挂号机' }));
    const message = buildMessage(
      'opened',
      'zh-CN',
      {
        kind: 'kiosk_state',
        message: '',
        details: {
          kiosks,
          kioskCount: 500,
          siteName: '总院',
          timeZone: 'Asia/Shanghai',
          at: '2026-01-26T23:00:00.000Z',
          action: 'wake',
        },
        public: {},
      },
      {},
    );
    const content = wecomBody(message).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
    expect(content).toContain('总院：500 台设备在 2026-01-27 07:00 Asia/Shanghai (UTC+08:00) 的开机后仍未开机');
    expect(content).toContain('……另有 480 台');
    expect(fitBytes('設備'.repeat(10), 10)).toBe('設備…');
  });
});

describe("staff's text in robot markdown", () => {
  // A kiosk name staff may set: a phishing link, a colour, a mention, an image.
  const hostile = '**[All kiosks OK](https://phish.example/sso)** <@zhangsan> <font color="info">ok</font> ![](https://t.example/p.png)';
  const message = (name: string, count = 1) =>
    buildMessage(
      'opened',
      'en',
      {
        kind: 'kiosk_state',
        message: '',
        details: {
          kiosks: Array.from({ length: count }, (_, i) => ({ id: `k${i}`, code: `MZ-${i}`, name })),
          kioskCount: count,
          siteName: 'Main [campus](https://phish.example)',
          timeZone: 'Asia/Shanghai',
          at: '2026-01-26T23:00:00.000Z',
          action: 'wake',
        },
        public: {},
      },
      { hospitalName: 'Riverside <@all>', siteName: 'Main [campus](https://phish.example)', consoleUrl: 'https://wakeward.example' },
    );

  it('reads as text in WeCom and DingTalk: no link, image, tag or mention but the console link', () => {
    for (const text of [wecomBody(message(hostile)).markdown.content, dingtalkBody(message(hostile)).markdown.text]) {
      expect(text.match(/\]\(/g)).toEqual(['](']); // the one link: the console's
      expect(text).toContain('[Open the console](https://wakeward.example/alerts)');
      expect(text).not.toMatch(/[<@]/);
      expect(text).toContain('＊＊［All kiosks OK］(https://phish.example/sso)＊＊ ＜＠zhangsan＞');
    }
  });

  it("keeps the console link when the robots' size limit cuts a long kiosk list", () => {
    const content = wecomBody(message('x'.repeat(140), 60)).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
    expect(content).toContain('[Open the console](https://wakeward.example/alerts)');
  });
});

describe('SMTP transport security', () => {
  it('requires STARTTLS to another host unless the URL opts out; not for smtps:// or this host', () => {
    expect(requiresTls('smtp://user:pass@mail.hospital.example:587')).toBe(true);
    expect(requiresTls('smtp://user:pass@mail.hospital.example:587?requireTLS=false')).toBe(false);
    expect(requiresTls('smtps://user:pass@mail.hospital.example:465')).toBe(false);
    expect(requiresTls('smtp://127.0.0.1:2525')).toBe(false);
    expect(requiresTls('smtp://localhost:25')).toBe(false);
    expect(requiresTls('smtp://[::1]:25')).toBe(false);
  });
});
