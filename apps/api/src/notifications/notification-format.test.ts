import { describe, expect, it } from 'vitest';
import { dingtalkSignedUrl, fitBytes, wecomBody, buildMessage } from './notification-message';
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
