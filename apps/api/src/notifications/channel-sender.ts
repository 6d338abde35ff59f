import { Inject, Injectable } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { NotificationChannel } from './notification-channel.entity';
import {
  dingtalkBody,
  dingtalkSignedUrl,
  emailContent,
  jsonBody,
  NotificationMessage,
  wecomBody,
} from './notification-message';
import { postJson } from './outbound-http';

/** A delivery that did not reach its receiver: retried by the queue until the attempts run out. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null = null,
  ) {
    super(message);
  }
}

export interface DeliveryReceipt {
  statusCode: number | null;
  detail: string;
}

/** Sends one message through one channel, in the channel type's format. */
@Injectable()
export class ChannelSender {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(channel: NotificationChannel, message: NotificationMessage, attempt: number): Promise<DeliveryReceipt> {
    if (channel.type === 'email') return this.mail(channel, message);
    let url = new URL(channel.target);
    let payload: unknown;
    switch (channel.type) {
      case 'wecom':
        payload = wecomBody(message);
        break;
      case 'dingtalk':
        payload = dingtalkBody(message);
        if (channel.secret) url = dingtalkSignedUrl(url, channel.secret, Date.now());
        break;
      case 'webhook-json':
        payload = jsonBody(message, attempt);
        break;
    }
    const { timeoutMs, allowTargets } = this.config.notifications;
    const answer = await postJson(url, payload, { timeoutMs, allow: allowTargets }).catch((err: Error) => {
      throw new DeliveryError(err.message);
    });
    const where = `${url.protocol}//${url.host}`;
    if (answer.status >= 300 && answer.status < 400) {
      throw new DeliveryError(
        `${where} answered ${answer.status}, a redirect: not followed (set the final URL)`,
        answer.status,
      );
    }
    if (answer.status < 200 || answer.status >= 300)
      throw new DeliveryError(`${where} answered HTTP ${answer.status}`, answer.status);
    if (channel.type === 'wecom' || channel.type === 'dingtalk') {
      // Both robots answer 200 with {"errcode": 0} on success and another code (bad key, rate limit) otherwise.
      const robot = parseRobotAnswer(answer.body);
      if (robot && robot.errcode !== 0)
        throw new DeliveryError(`robot refused: errcode ${robot.errcode} ${robot.errmsg ?? ''}`.trim(), answer.status);
    }
    return { statusCode: answer.status, detail: `HTTP ${answer.status}` };
  }

  private async mail(channel: NotificationChannel, message: NotificationMessage): Promise<DeliveryReceipt> {
    const { smtpUrl, smtpFrom, timeoutMs } = this.config.notifications;
    if (!smtpUrl) throw new DeliveryError('SMTP_URL is not set: e-mail channels cannot send');
    const transport = createTransport({
      url: smtpUrl,
      // smtp:// upgrades with STARTTLS; required, so that a man in the middle who strips
      // the offer does not read the password: except to a relay on this host, or where
      // the URL says `?requireTLS=false` (nodemailer reads options from its query).
      ...(requiresTls(smtpUrl) && { requireTLS: true }),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    } as never);
    try {
      const { subject, text } = emailContent(message);
      const info = await transport.sendMail({ from: smtpFrom, to: splitAddresses(channel.target), subject, text });
      return { statusCode: null, detail: `SMTP ${String(info.response ?? 'accepted').slice(0, 200)}` };
    } catch (err) {
      throw new DeliveryError(`SMTP: ${(err as Error).message}`);
    } finally {
      transport.close();
    }
  }
}

export function splitAddresses(target: string): string[] {
  return target
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

function parseRobotAnswer(body: string): { errcode: number; errmsg?: string } | null {
  try {
    const parsed = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown };
    return typeof parsed.errcode === 'number'
      ? { errcode: parsed.errcode, errmsg: typeof parsed.errmsg === 'string' ? parsed.errmsg : undefined }
      : null;
  } catch {
    return null;
  }
}

/** An smtp:// URL to another host that does not opt out: STARTTLS or no mail. */
export function requiresTls(smtpUrl: string): boolean {
  const url = new URL(smtpUrl);
  if (url.protocol !== 'smtp:' || url.searchParams.has('requireTLS')) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}
