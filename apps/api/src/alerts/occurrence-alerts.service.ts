import { Injectable } from '@nestjs/common';
import { mysqlErrno, ER_DUP_ENTRY } from '../common/sql';
import { Database } from '../database/database.service';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import type { Site } from '../sites/site.entity';
import type { Alert } from './alert.entity';
import { AlertKioskRef, alertSummary, OccurrenceDetails } from './alert-text';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const ER_LOCK_DEADLOCK = 1213;
/** no_agent and missed alerts name at most this many kiosks (and count them all). */
const MAX_LISTED = 200;

/** One planned transition of a site: the cause that alerts about its kiosks share. */
export interface Occurrence {
  site: Site;
  at: Date;
  action: 'wake' | 'shutdown';
}

/** A kiosk of an occurrence seen in the wrong state at the last check. */
export interface KioskVerdict {
  kioskId: string;
  observed: string;
  dispatchId?: string;
}

export const kioskStateKey = (siteId: string, at: Date, action: string) =>
  `kiosk_state:${siteId}:${at.getTime()}:${action}`;
export const noAgentKey = (siteId: string) => `no_agent:${siteId}`;

/**
 * Alerts about the kiosks of one transition, one per cause instead of one per kiosk:
 * a wake that 12 kiosks missed is one alert listing them by code and name (resolved
 * here, when it is raised, so the list still reads right after a rename or removal).
 */
@Injectable()
export class OccurrenceAlertsService {
  constructor(
    private readonly db: Database,
    private readonly alerts: AlertsRepository,
    private readonly service: AlertsService,
    private readonly kiosks: KiosksRepository,
  ) {}

  /**
   * Kiosks still in the wrong state at the last verification of an occurrence. The
   * first call opens the alert; later rounds or kiosks of the same occurrence join it.
   */
  async raiseKioskStates(
    o: Occurrence & { afterS: number },
    wrong: KioskVerdict[],
    now = new Date(),
  ): Promise<Alert | null> {
    if (!wrong.length) return null;
    const refs = await this.refs(wrong.map((w) => w.kioskId));
    const incoming: AlertKioskRef[] = wrong.map((w) => ({
      ...refs.get(w.kioskId)!,
      observed: w.observed,
      ...(w.dispatchId && { dispatchId: w.dispatchId }),
    }));
    const openKey = kioskStateKey(o.site.id, o.at, o.action);
    const { alert, opened } = await this.withRetry(() =>
      this.db.transaction(async () => {
        const existing = await this.alerts.lockOpen(openKey);
        if (existing) {
          const before = existing.details as OccurrenceDetails;
          const byId = new Map(before.kiosks.map((k) => [k.id, k]));
          for (const k of incoming) byId.set(k.id, k);
          const details = this.withKiosks({ ...before, afterS: o.afterS }, [...byId.values()]);
          const message = kioskStateMessage(details);
          await this.alerts.updateDetails(existing.id, message, details, now);
          return { alert: { ...existing, message, details, lastSeenAt: now }, opened: false };
        }
        const details = this.withKiosks(
          { ...occurrenceDetails(o), afterS: o.afterS, expected: o.action === 'wake' ? 'up' : 'down' },
          incoming,
        );
        const alert = await this.alerts.insertOpen(
          {
            kind: 'kiosk_state',
            openKey,
            hospitalId: o.site.hospitalId,
            siteId: o.site.id,
            message: kioskStateMessage(details),
            details,
          },
          now,
        );
        return { alert, opened: true };
      }),
    );
    if (opened) await this.service.announceOpened(alert);
    else await this.service.announceUpdated(alert);
    return alert;
  }

  /**
   * Kiosks of a site seen in `observed` (a probe, or a later verification): each leaves
   * the kiosk_state alerts that wanted exactly that state; an alert whose list empties
   * is resolved. A kiosk seen down never clears a wake's alert, nor up a shutdown's.
   */
  async kiosksSeen(siteId: string, kioskIds: string[], observed: string, now = new Date()): Promise<void> {
    if (!kioskIds.length || (observed !== 'up' && observed !== 'down')) return;
    const seen = new Set(kioskIds);
    const candidates = (await this.alerts.unresolvedOfSite(siteId, 'kiosk_state')).filter((a) => {
      const d = a.details as Partial<OccurrenceDetails> | null;
      return (d?.action === 'wake' ? 'up' : 'down') === observed && (d?.kiosks ?? []).some((k) => seen.has(k.id));
    });
    for (const candidate of candidates) {
      const outcome = await this.db.transaction(async () => {
        const alert = await this.alerts.lockOpen(candidate.openKey!);
        if (!alert) return null;
        const before = alert.details as OccurrenceDetails;
        const left = before.kiosks.filter((k) => seen.has(k.id));
        if (!left.length) return null;
        const cleared = [
          ...((before.cleared as object[] | undefined) ?? []),
          ...left.map((k) => ({ id: k.id, code: k.code, name: k.name, at: now.toISOString() })),
        ];
        const details = this.withKiosks(
          { ...before, cleared },
          before.kiosks.filter((k) => !seen.has(k.id)),
        );
        const message = details.kiosks.length ? kioskStateMessage(details) : alert.message;
        await this.alerts.updateDetails(alert.id, message, details, now);
        return { alert: { ...alert, message, details, lastSeenAt: now }, empty: details.kiosks.length === 0 };
      });
      if (!outcome) continue;
      if (outcome.empty) await this.service.resolve(candidate.openKey!, now);
      else await this.service.announceUpdated(outcome.alert);
    }
  }

  /** No online agent of the site could be given a transition: one alert per site, whatever the transition. */
  async raiseNoAgent(o: Occurrence, kioskIds: string[], now = new Date()): Promise<Alert> {
    const details = this.withKiosks(
      occurrenceDetails(o),
      [...(await this.refs(kioskIds.slice(0, MAX_LISTED))).values()],
      kioskIds.length,
    );
    return this.service.raise(
      {
        kind: 'no_agent',
        openKey: noAgentKey(o.site.id),
        hospitalId: o.site.hospitalId,
        siteId: o.site.id,
        message: alertSummary('no_agent', details, 'en'),
        details,
      },
      now,
    );
  }

  /** A transition found past its catch-up window: one alert for all its kiosks. */
  async raiseMissed(o: Occurrence, kioskIds: string[], now = new Date()): Promise<Alert> {
    const details = this.withKiosks(
      occurrenceDetails(o),
      [...(await this.refs(kioskIds.slice(0, MAX_LISTED))).values()],
      kioskIds.length,
    );
    return this.service.raise(
      {
        kind: 'dispatch_missed',
        openKey: `missed:${o.site.id}:${o.at.getTime()}:${o.action}`,
        hospitalId: o.site.hospitalId,
        siteId: o.site.id,
        message: alertSummary('dispatch_missed', details, 'en'),
        details,
      },
      now,
    );
  }

  /** Code and name of each kiosk; a kiosk removed meanwhile keeps its id as its code. */
  private async refs(ids: string[]): Promise<Map<string, AlertKioskRef>> {
    const found = new Map((await this.kiosks.getByIds(ids)).map((k) => [k.id, k]));
    return new Map(ids.map((id) => [id, { id, code: found.get(id)?.code ?? id, name: found.get(id)?.name ?? '' }]));
  }

  private withKiosks(details: OccurrenceDetails, kiosks: AlertKioskRef[], count = kiosks.length): OccurrenceDetails {
    const sorted = [...kiosks].sort((a, b) => a.code.localeCompare(b.code));
    return { ...details, kiosks: sorted, kioskCount: count };
  }

  /** Two verifications of one occurrence at once: the loser's insert meets the winner's row (or a deadlock) and merges instead. */
  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const errno = mysqlErrno(err);
        if (attempt >= 3 || (errno !== ER_DUP_ENTRY && errno !== ER_LOCK_DEADLOCK)) throw err;
      }
    }
  }
}

function occurrenceDetails(o: Occurrence): OccurrenceDetails {
  return {
    siteName: o.site.name,
    timeZone: o.site.timeZone,
    at: o.at.toISOString(),
    action: o.action,
    kioskCount: 0,
    kiosks: [],
  };
}

/** The stored English summary: what happened, then the kiosks' codes. */
function kioskStateMessage(details: OccurrenceDetails): string {
  const codes = details.kiosks.map((k) => k.code).join(', ');
  return `${alertSummary('kiosk_state', details, 'en')}: ${codes}`.slice(0, 500);
}
