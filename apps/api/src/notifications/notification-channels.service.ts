import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { canRead } from '../common/access';
import { AccessService, notFoundError } from '../common/access.service';
import { badRequest, forbidden } from '../common/errors';
import type { Principal } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { HospitalsRepository } from '../hospitals/hospitals.repository';
import { SitesRepository } from '../sites/sites.repository';
import { AlertNotifier } from './alert-notifier.service';
import { NotificationChannel } from './notification-channel.entity';
import { NotificationChannelsRepository, NotificationDeliveriesRepository } from './notification-channels.repository';
import { channelTargetProblem, createChannelBody, updateChannelBody } from './notification-channels.dto';
import { webhookUrlRefusal } from './webhook-address';

/** What the console sees of a channel: never its secret, only whether one is set. */
export function publicChannel(c: NotificationChannel) {
  return {
    id: c.id,
    hospitalId: c.hospitalId,
    name: c.name,
    type: c.type,
    target: c.target,
    secretSet: c.secret !== null,
    language: c.language,
    siteIds: c.siteIds,
    kinds: c.kinds,
    graceSeconds: c.graceS,
    enabled: c.enabled,
    lastDelivery: c.lastDeliveryAt
      ? { at: c.lastDeliveryAt, ok: c.lastDeliveryOk, detail: c.lastDeliveryDetail }
      : null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/**
 * Notification channels, managed by ops and admins only (the controller's roles):
 * a channel makes the server connect to a URL or mail an address, and its target
 * often carries a robot's key. A channel for every hospital is an admin's.
 */
@Injectable()
export class NotificationChannelsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly channels: NotificationChannelsRepository,
    private readonly deliveries: NotificationDeliveriesRepository,
    private readonly hospitals: HospitalsRepository,
    private readonly sites: SitesRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly notifier: AlertNotifier,
  ) {}

  async list(p: Principal) {
    return { items: (await this.channels.listVisible(p.hospitalIds)).map(publicChannel) };
  }

  async get(p: Principal, id: string) {
    return publicChannel(await this.getVisible(p, id));
  }

  async create(p: Principal, input: z.output<typeof createChannelBody>) {
    await this.assertHospitalManageable(p, input.hospitalId, null);
    const channel = Object.assign(new NotificationChannel(), {
      id: randomUUID(),
      hospitalId: input.hospitalId,
      name: input.name,
      type: input.type,
      target: input.target,
      secret: input.secret ?? null,
      language: input.language ?? (input.type === 'wecom' || input.type === 'dingtalk' ? 'zh-CN' : 'en'),
      siteIds: input.siteIds,
      kinds: input.kinds,
      graceS: input.graceSeconds,
      enabled: input.enabled,
      lastDeliveryAt: null,
      lastDeliveryOk: null,
      lastDeliveryDetail: null,
    });
    await this.validate(channel);
    return this.db.transaction(async () => {
      await this.channels.save(channel);
      await this.audit.record({
        action: 'create',
        entityType: 'notification_channel',
        entityId: channel.id,
        hospitalId: channel.hospitalId,
        after: auditState(channel),
      });
      return publicChannel(channel);
    });
  }

  async update(p: Principal, id: string, input: z.output<typeof updateChannelBody>) {
    const channel = await this.getVisible(p, id);
    await this.assertHospitalManageable(p, channel.hospitalId, id);
    const before = auditState(channel);
    const { graceSeconds, ...rest } = input;
    Object.assign(channel, rest, graceSeconds === undefined ? {} : { graceS: graceSeconds });
    // A secret signs DingTalk requests only: another type keeps none.
    if (channel.type !== 'dingtalk' && input.type && input.secret === undefined) channel.secret = null;
    await this.validate(channel);
    return this.db.transaction(async () => {
      await this.channels.save(channel);
      await this.audit.record({
        action: 'update',
        entityType: 'notification_channel',
        entityId: id,
        hospitalId: channel.hospitalId,
        before,
        after: auditState(channel),
      });
      return publicChannel(channel);
    });
  }

  async delete(p: Principal, id: string): Promise<void> {
    const channel = await this.getVisible(p, id);
    await this.assertHospitalManageable(p, channel.hospitalId, id);
    await this.db.transaction(async () => {
      await this.channels.delete(id);
      await this.audit.record({
        action: 'delete',
        entityType: 'notification_channel',
        entityId: id,
        hospitalId: channel.hospitalId,
        before: auditState(channel),
      });
    });
  }

  /** Sends a test message now; the answer is the receiver's status or the error. Audited: it makes the server connect out. */
  async test(p: Principal, id: string) {
    const channel = await this.getVisible(p, id);
    const result = await this.notifier.sendTest(channel);
    await this.audit.record({
      action: 'create',
      entityType: 'notification_test',
      entityId: id,
      hospitalId: channel.hospitalId,
      after: result,
    });
    return result;
  }

  async recentDeliveries(p: Principal, id: string) {
    await this.getVisible(p, id);
    return { items: await this.deliveries.recentOfChannel(id, 20) };
  }

  private async getVisible(p: Principal, id: string): Promise<NotificationChannel> {
    const channel = await this.channels.getById(id);
    if (!channel || (channel.hospitalId !== null && !canRead(p, channel.hospitalId)))
      throw notFoundError('notification_channel', id);
    return channel;
  }

  private async assertHospitalManageable(
    p: Principal,
    hospitalId: string | null,
    channelId: string | null,
  ): Promise<void> {
    if (hospitalId === null) {
      if (p.role === 'admin') return;
      await this.access.denied('notification_channel', channelId, null, { refused: 'every-hospital channel' });
      throw forbidden(
        'NOTIFY_ALL_HOSPITALS_ADMIN_ONLY',
        'a channel for every hospital is set by an administrator; choose a hospital',
        'hospitalId',
      );
    }
    const hospital = await this.hospitals.getById(hospitalId);
    if (!hospital || !canRead(p, hospitalId))
      throw badRequest('HOSPITAL_NOT_FOUND', `hospital ${hospitalId} not found`, 'hospitalId');
  }

  /** The whole channel as it would be stored: target for its type, where a webhook may go, secret only for DingTalk, sites of its hospital. */
  private async validate(c: NotificationChannel): Promise<void> {
    const problem = channelTargetProblem(c.type, c.target);
    if (problem) throw badRequest('NOTIFY_TARGET_INVALID', `target: ${problem}`, 'target');
    if (c.type !== 'email') {
      const refusal = await webhookUrlRefusal(new URL(c.target), this.config.notifications.allowTargets);
      if (refusal) {
        throw badRequest(
          'NOTIFY_TARGET_REFUSED',
          `target: webhooks do not go to ${refusal}; an administrator may allow a subnet with NOTIFY_ALLOW_TARGETS`,
          'target',
        );
      }
    }
    if (c.secret !== null && c.type !== 'dingtalk')
      throw badRequest('NOTIFY_SECRET_UNEXPECTED', 'secret: only DingTalk robots sign their requests', 'secret');
    for (const siteId of c.siteIds) {
      const site = await this.sites.getById(siteId);
      if (!site || (c.hospitalId !== null && site.hospitalId !== c.hospitalId)) {
        throw badRequest(
          'NOTIFY_SITE_INVALID',
          `siteIds: site ${siteId} is not a site of the channel's hospital`,
          'siteIds',
        );
      }
    }
  }
}

/** The audit log never holds the secret, only whether one is set (staff of the hospital read its entries). */
function auditState(c: NotificationChannel) {
  const { lastDelivery: _, createdAt: __, updatedAt: ___, ...state } = publicChannel(c);
  return state;
}
