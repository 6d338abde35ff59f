import { Injectable } from '@nestjs/common';
import { escapeLike } from '../common/sql';
import { Database } from '../database/database.service';

/** Entity types whose current name the audit log shows; everything else keeps the name it recorded. */
export const NAMED_ENTITY_TYPES = ['hospital', 'site', 'kiosk', 'power_rule', 'user', 'agent', 'notification_channel'] as const;
export type NamedEntityType = (typeof NAMED_ENTITY_TYPES)[number];

/**
 * Per entity type: the table, the expression that names a row, and the one that
 * gives its hospital (null: not in any hospital, shown only to global roles).
 */
const SOURCES: Record<NamedEntityType, { from: string; name: string; hospital: string | null }> = {
  hospital: { from: 'hospitals e', name: 'e.name', hospital: 'e.id' },
  site: { from: 'sites e', name: 'e.name', hospital: 'e.hospital_id' },
  kiosk: { from: 'kiosks e', name: "CONCAT(e.name, ' (', e.code, ')')", hospital: 'e.hospital_id' },
  power_rule: { from: 'power_rules e', name: 'e.name', hospital: 'e.hospital_id' },
  user: { from: 'users e', name: "IF(e.display_name = '', e.username, CONCAT(e.display_name, ' (', e.username, ')'))", hospital: null },
  agent: { from: 'agents e JOIN sites s ON s.id = e.site_id', name: 'e.name', hospital: 's.hospital_id' },
  notification_channel: { from: 'notification_channels e', name: 'e.name', hospital: 'e.hospital_id' },
};

export const isNamedType = (type: string): type is NamedEntityType => (NAMED_ENTITY_TYPES as readonly string[]).includes(type);

/**
 * Reads the current names of the entities audit entries are about, in one query
 * per entity type for a whole page, and only within the hospitals the reader may
 * see: another hospital's names never reach a staff user, even through an entry
 * about something that has since moved.
 */
@Injectable()
export class AuditNamesRepository {
  constructor(private readonly db: Database) {}

  /** `type:id` -> name, for the ids that exist and are visible. */
  async namesOf(refs: Array<{ type: string; id: string }>, hospitals: string[] | 'all'): Promise<Map<string, string>> {
    const byType = new Map<NamedEntityType, Set<string>>();
    for (const r of refs) {
      if (!isNamedType(r.type)) continue;
      byType.set(r.type, (byType.get(r.type) ?? new Set()).add(r.id));
    }
    const names = new Map<string, string>();
    for (const [type, ids] of byType) {
      const src = SOURCES[type];
      const scope = this.scope(src.hospital, hospitals);
      if (!scope) continue;
      const rows: Array<{ id: string; name: string }> = await this.db.manager.query(
        `SELECT e.id AS id, ${src.name} AS name FROM ${src.from} WHERE e.id IN (?)${scope.sql}`,
        [[...ids], ...scope.params],
      );
      for (const row of rows) names.set(`${type}:${row.id}`, row.name);
    }
    return names;
  }

  /** Ids of the visible entities of a type whose name (or kiosk code, username) contains the text; at most `limit`. */
  async idsNamedLike(type: NamedEntityType, text: string, hospitals: string[] | 'all', limit = 1000): Promise<string[]> {
    const src = SOURCES[type];
    const scope = this.scope(src.hospital, hospitals);
    if (!scope) return [];
    const rows: Array<{ id: string }> = await this.db.manager.query(
      `SELECT e.id AS id FROM ${src.from} WHERE ${src.name} LIKE ?${scope.sql} LIMIT ${Number(limit)}`,
      [`%${escapeLike(text)}%`, ...scope.params],
    );
    return rows.map((r) => r.id);
  }

  private scope(hospitalColumn: string | null, hospitals: string[] | 'all'): { sql: string; params: unknown[] } | null {
    if (hospitals === 'all') return { sql: '', params: [] };
    if (hospitalColumn === null || hospitals.length === 0) return null;
    return { sql: ` AND ${hospitalColumn} IN (?)`, params: [hospitals] };
  }
}
