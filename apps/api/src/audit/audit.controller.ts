import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser } from '../auth/decorators';
import { canSeeWebhookUrls, HIDDEN_WEBHOOK_URL, scopeHospitalFilter } from '../common/access';
import type { Principal } from '../common/request-context';
import { pageQuery, parseInput, uuid } from '../common/validation';
import { AuditRepository } from './audit.repository';

const auditQuery = pageQuery.extend({
  hospitalId: uuid.optional(),
  entityType: z.string().max(40).optional(),
  entityId: z.string().max(64).optional(),
  actorId: uuid.optional(),
  action: z.string().max(40).optional(),
  from: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  to: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
});

/** Staff and viewers see the entries of their hospitals; admin and ops see everything. */
@ApiTags('audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  async list(@CurrentUser() p: Principal, @Query() query: unknown) {
    const { hospitalId, ...filter } = parseInput(auditQuery, query);
    const page = await this.audit.search({
      ...filter,
      hospitalIds: scopeHospitalFilter(p, hospitalId),
      includeUnscoped: p.hospitalIds === 'all' && p.role !== 'viewer',
    });
    if (canSeeWebhookUrls(p)) return page;
    const hide = (e: (typeof page.items)[number], state: Record<string, unknown> | null) =>
      e.entityType === 'notification_channel' ? hideChannelTarget(state) : hideWebhookUrl(state);
    return { ...page, items: page.items.map((e) => ({ ...e, before: hide(e, e.before), after: hide(e, e.after) })) };
  }
}

/** A site's thresholds name their webhook: others than ops see only whether one was set. */
function hideWebhookUrl(state: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!state || typeof state.webhookUrl !== 'string') return state;
  return { ...state, webhookUrl: HIDDEN_WEBHOOK_URL };
}

/** A notification channel's target is a robot's URL with its key, or people's addresses: ops only. */
function hideChannelTarget(state: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!state || typeof state.target !== 'string') return state;
  return { ...state, target: HIDDEN_WEBHOOK_URL };
}
