import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AlertWebhookJob, TelemetryQueue } from './telemetry-queue';

export class WebhookDeliveryError extends Error {}

/**
 * Environment alerts to the hospital's own paging: a POST of JSON, retried by
 * BullMQ with exponential backoff until it answers 2xx or the attempts run out.
 * URLs are set by ops only (TELEMETRY_WEBHOOK_URL, a site's thresholds); a redirect
 * is a failed delivery, never followed, so the alert goes nowhere but where ops said.
 */
@Injectable()
export class AlertWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: TelemetryQueue,
  ) {}

  /** Queues the delivery to the site's URL, else the global one; nothing when neither is set. */
  async enqueue(siteUrl: string | null, event: AlertWebhookJob['event'], alert: Record<string, unknown>): Promise<void> {
    const url = siteUrl ?? this.config.telemetry.webhookUrl;
    if (!url) return;
    await this.queue.add(
      'webhook',
      { kind: 'webhook', url, event, alert },
      {
        attempts: this.config.telemetry.webhookAttempts,
        backoff: { type: 'exponential', delay: this.config.telemetry.webhookBackoffMs },
        removeOnComplete: { count: 1000 },
      },
    );
  }

  async deliver(job: AlertWebhookJob, attempt: number): Promise<{ status: number }> {
    const res = await fetch(job.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'wakeward-alerts' },
      body: JSON.stringify({ event: job.event, attempt, alert: job.alert }),
      signal: AbortSignal.timeout(this.config.telemetry.webhookTimeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 300 && res.status < 400) {
      throw new WebhookDeliveryError(`webhook ${job.url} answered ${res.status} (a redirect, not followed: set the final URL)`);
    }
    if (!res.ok) throw new WebhookDeliveryError(`webhook ${job.url} answered ${res.status}`);
    return { status: res.status };
  }
}
