import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { scopeHospitalFilter } from '../common/access';
import { AccessService, notFoundError } from '../common/access.service';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { SitesService } from '../sites/sites.service';
import { Kiosk } from './kiosk.entity';
import { csvColumns, readKioskCsv, writeKioskCsv } from './kiosk-csv';
import { ipInSubnet } from '../common/addresses';
import { createKioskBody, listKiosksQuery, searchKiosksQuery, updateKioskBody } from './kiosks.dto';
import { KioskImportsRepository } from './kiosk-imports.repository';
import { KiosksRepository } from './kiosks.repository';
import { ScheduleChanges } from '../common/schedule-changes';

@Injectable()
export class KiosksService {
  constructor(
    private readonly db: Database,
    private readonly kiosks: KiosksRepository,
    private readonly sites: SitesService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly scheduleChanges: ScheduleChanges,
    private readonly imports: KioskImportsRepository,
  ) {}

  list(p: Principal, query: z.output<typeof listKiosksQuery>) {
    const { hospitalId, ...rest } = query;
    return this.kiosks.search({ hospitalIds: scopeHospitalFilter(p, hospitalId), ...rest });
  }

  /** Up to `limit` kiosks of the user's hospitals matching `q`, each with its site and hospital. */
  async searchAcrossSites(p: Principal, query: z.output<typeof searchKiosksQuery>) {
    const hits = await this.kiosks.findAcrossSites({ hospitalIds: scopeHospitalFilter(p, query.hospitalId), text: query.q, macDigits: macDigitsOf(query.q), limit: query.limit });
    return { items: hits.slice(0, query.limit), truncated: hits.length > query.limit };
  }

  async get(p: Principal, id: string): Promise<Kiosk> {
    const kiosk = await this.kiosks.getById(id);
    if (!kiosk) throw notFoundError('kiosk', id);
    await this.access.assertReadable(p, 'kiosk', id, kiosk.hospitalId);
    return kiosk;
  }

  async create(p: Principal, input: z.output<typeof createKioskBody>): Promise<Kiosk> {
    const kiosk = await this.db.transaction(async () => {
      const site = await this.sites.get(p, input.siteId);
      await this.access.assertFleetEditable(p, 'site', site.id, site.hospitalId);
      await this.access.assertKioskFieldsEditable(p, null, site.hospitalId, Object.keys(input));
      const kiosk = Object.assign(new Kiosk(), { id: randomUUID(), hospitalId: site.hospitalId, ...input });
      await this.kiosks.save(kiosk).catch(duplicateIdentifier);
      await this.audit.record({ action: 'create', entityType: 'kiosk', entityId: kiosk.id, hospitalId: kiosk.hospitalId, after: kiosk });
      return kiosk;
    });
    await this.scheduleChanges.sitesChanged([kiosk.siteId]);
    return kiosk;
  }

  async update(p: Principal, id: string, input: z.output<typeof updateKioskBody>): Promise<Kiosk> {
    let previousSite = '';
    const kiosk = await this.db.transaction(async () => {
      const kiosk = await this.get(p, id);
      previousSite = kiosk.siteId;
      await this.access.assertFleetEditable(p, 'kiosk', id, kiosk.hospitalId);
      await this.access.assertKioskFieldsEditable(p, id, kiosk.hospitalId, changedFields(kiosk, input));
      if (input.siteId && input.siteId !== kiosk.siteId) {
        const site = await this.sites.get(p, input.siteId);
        if (site.hospitalId !== kiosk.hospitalId) {
          throw badRequest('KIOSK_SITE_INVALID', 'siteId: a kiosk can move only to a site of its own hospital', 'siteId');
        }
      }
      const before = { ...kiosk };
      Object.assign(kiosk, input);
      if (kiosk.ip && kiosk.subnet && !ipInSubnet(kiosk.ip, kiosk.subnet)) {
        throw badRequest('VALIDATION_FAILED', `ip: ${kiosk.ip} is not in subnet ${kiosk.subnet}`, 'ip');
      }
      await this.kiosks.save(kiosk).catch(duplicateIdentifier);
      await this.audit.record({ action: 'update', entityType: 'kiosk', entityId: id, hospitalId: kiosk.hospitalId, before, after: kiosk });
      return kiosk;
    });
    await this.scheduleChanges.sitesChanged([previousSite, kiosk.siteId]);
    return kiosk;
  }

  async delete(p: Principal, id: string): Promise<void> {
    const siteId = await this.db.transaction(async () => {
      const kiosk = await this.get(p, id);
      await this.access.assertFleetEditable(p, 'kiosk', id, kiosk.hospitalId);
      await this.access.assertKioskRemovable(p, id, kiosk.hospitalId);
      await this.kiosks.delete(id);
      await this.audit.record({ action: 'delete', entityType: 'kiosk', entityId: id, hospitalId: kiosk.hospitalId, before: kiosk });
      return kiosk.siteId;
    });
    await this.scheduleChanges.sitesChanged([siteId]);
  }

  /** All rows or none: any bad row rejects the whole file, listing every problem. One import at a time per user. */
  async importCsv(p: Principal, siteId: string, csv: string): Promise<{ imported: number }> {
    const lock = await this.imports.begin(p.userId);
    if (!lock) throw conflict('IMPORT_IN_PROGRESS', 'an import of yours is still running; send the next file when it has finished');
    try {
      return await this.importCsvNow(p, siteId, csv);
    } finally {
      await this.imports.end(p.userId, lock);
    }
  }

  private async importCsvNow(p: Principal, siteId: string, csv: string): Promise<{ imported: number }> {
    const result = await this.db.transaction(async () => {
      const site = await this.sites.get(p, siteId);
      await this.access.assertFleetEditable(p, 'site', site.id, site.hospitalId);
      // Every imported row is a new kiosk with its MAC and address: ops' work.
      await this.access.assertKioskFieldsEditable(p, null, site.hospitalId, csvColumns(csv));
      const existing = await this.kiosks.identifiersOfHospital(site.hospitalId);
      const { rows, problems } = await readKioskCsv(csv, existing);
      if (problems.length) {
        throw badRequest(
          'IMPORT_INVALID',
          `${problems.length} problem(s) in the file; nothing was imported. First: line ${problems[0].line}${problems[0].field ? ` (${problems[0].field})` : ''}: ${problems[0].message}`,
          undefined,
          problems,
        );
      }
      const kiosks = rows.map((row) =>
        Object.assign(new Kiosk(), { id: randomUUID(), hospitalId: site.hospitalId, siteId: site.id, shutdownMethod: null, ...row }),
      );
      await this.kiosks.insertMany(kiosks.map(stamp)).catch(duplicateIdentifier);
      for (const kiosk of kiosks) {
        await this.audit.record({ action: 'import', entityType: 'kiosk', entityId: kiosk.id, hospitalId: kiosk.hospitalId, after: kiosk });
      }
      return { imported: kiosks.length };
    });
    await this.scheduleChanges.sitesChanged([siteId]);
    return result;
  }

  async exportCsv(p: Principal, siteId: string): Promise<string> {
    const site = await this.sites.get(p, siteId);
    return writeKioskCsv(await this.kiosks.getBySite(site.id));
  }

  /** The kiosk as its audit entries record it (plain JSON), or null if there is none. */
  async snapshot(id: string): Promise<KioskSnapshot | null> {
    const kiosk = await this.kiosks.getById(id);
    return kiosk ? (JSON.parse(JSON.stringify(kiosk)) as KioskSnapshot) : null;
  }

  /**
   * Puts a kiosk back as an audit snapshot shows it, or removes it (null): an undo.
   * It is a change like any other: staff may put back only a kiosk's description, and
   * the snapshot must pass today's checks (an old one may hold what is no longer
   * accepted, such as an inline shutdown method). Runs in the caller's transaction,
   * which audits it as the undo it is; re-plans the hospital once that commits.
   */
  async restore(p: Principal, id: string, hospitalId: string, current: KioskSnapshot | null, restored: KioskSnapshot | null): Promise<KioskSnapshot | null> {
    if (restored === null) {
      await this.access.assertKioskRemovable(p, id, hospitalId);
      await this.kiosks.delete(id);
    } else {
      const fields = kioskFieldsOf(restored);
      const changed = Object.keys(fields).filter((f) => current === null || JSON.stringify(current[f] ?? null) !== JSON.stringify(restored[f] ?? null));
      await this.access.assertKioskFieldsEditable(p, id, hospitalId, changed);
      const check = updateKioskBody.safeParse(fields);
      if (!check.success) {
        const issue = check.error.issues[0]!;
        throw conflict('UNDO_CONFLICT', `the kiosk cannot be put back: its earlier ${issue.path.join('.')} is no longer accepted (${issue.message})`);
      }
      await this.kiosks.save(Object.assign(new Kiosk(), restored, { createdAt: new Date(String(restored.createdAt)) }));
    }
    await this.db.afterCommit(() => this.scheduleChanges.hospitalChanged(hospitalId));
    return restored === null ? null : this.snapshot(id);
  }
}

/** A kiosk as audit entries record it: its JSON, timestamps as ISO strings. */
export type KioskSnapshot = Record<string, unknown> & { updatedAt?: string };

/** The fields of a kiosk snapshot that people set (not ids and timestamps). */
function kioskFieldsOf(s: KioskSnapshot): Record<string, unknown> {
  const fields = Object.keys(updateKioskBody.shape) as string[];
  return Object.fromEntries(fields.filter((f) => f in s).map((f) => [f, s[f]]));
}

/** The fields an update would really change: sending a field with its current value changes nothing. */
function changedFields(kiosk: Kiosk, input: object): string[] {
  const current = kiosk as unknown as Record<string, unknown>;
  return Object.entries(input)
    .filter(([field, value]) => value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field] ?? null))
    .map(([field]) => field);
}

/** insert() skips entity listeners, so bulk rows get their timestamps here. */
function stamp(k: Kiosk): Kiosk {
  const now = new Date();
  k.createdAt = now;
  k.updatedAt = now;
  return k;
}

function duplicateIdentifier(err: unknown): never {
  if (mysqlErrno(err) === ER_DUP_ENTRY) {
    const mac = String((err as Error).message).includes('uq_kiosks_hospital_mac');
    throw mac
      ? conflict('KIOSK_MAC_TAKEN', 'another kiosk of this hospital has this MAC address', 'mac')
      : conflict('KIOSK_CODE_TAKEN', 'another kiosk of this hospital has this code', 'code');
  }
  throw err;
}

/**
 * The hex digits of what looks like part of a MAC, lowercase and without separators
 * (MACs are stored as 00:1a:2b:3c:4d:5e): "1A-2B" or "3c4d5e". Plain words made of
 * hex letters ("bed", "cafe") are names, not MACs: without a separator it takes six digits.
 */
export function macDigitsOf(text: string): string | null {
  const digits = text.replace(/[:.\s-]/g, '');
  if (!/^[0-9a-f]+$/i.test(digits)) return null;
  const separated = digits.length !== text.length;
  return digits.length >= 6 || (separated && digits.length >= 2) ? digits.toLowerCase() : null;
}
