import { Injectable } from '@nestjs/common';

/** Entity types whose current name the audit log shows; everything else keeps the name it recorded. */
export const NAMED_ENTITY_TYPES = [
  'hospital',
  'site',
  'kiosk',
  'power_rule',
  'user',
  'agent',
  'notification_channel',
] as const;
export type NamedEntityType = (typeof NAMED_ENTITY_TYPES)[number];

export const isNamedType = (type: string): type is NamedEntityType =>
  (NAMED_ENTITY_TYPES as readonly string[]).includes(type);

/**
 * What a domain tells the audit log about its own entities: their current names, and
 * which of them a name search finds. Only within the reader's hospitals (`'all'`: every
 * one): another hospital's names never reach a staff user, even through an entry about
 * something that has since moved. The owning repository answers, from its own table.
 */
export interface EntityNamesSource {
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>>;
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]>;
}

/**
 * The names of the entities audit entries are about, asked of the domains that own
 * them. Each domain's module provides its source when it starts, so the audit log
 * reads no other domain's table and imports no other domain.
 */
@Injectable()
export class EntityNamesService {
  private readonly sources = new Map<NamedEntityType, EntityNamesSource>();

  provide(type: NamedEntityType, source: EntityNamesSource): void {
    this.sources.set(type, source);
  }

  /** `type:id` -> name, for the ids that exist and are visible; one query per entity type for a whole page. */
  async namesOf(
    refs: Array<{ type: string; id: string }>,
    hospitalIds: string[] | 'all',
  ): Promise<Map<string, string>> {
    const byType = new Map<NamedEntityType, Set<string>>();
    for (const r of refs) {
      if (!isNamedType(r.type)) continue;
      byType.set(r.type, (byType.get(r.type) ?? new Set()).add(r.id));
    }
    const names = new Map<string, string>();
    for (const [type, ids] of byType) {
      for (const row of await this.source(type).namesByIds([...ids], hospitalIds))
        names.set(`${type}:${row.id}`, row.name);
    }
    return names;
  }

  /** Ids of the visible entities of a type whose name (or kiosk code, username) contains the text; at most `limit`. */
  idsNamedLike(type: NamedEntityType, text: string, hospitalIds: string[] | 'all', limit = 1000): Promise<string[]> {
    return this.source(type).idsNamedLike(text, hospitalIds, limit);
  }

  private source(type: NamedEntityType): EntityNamesSource {
    const source = this.sources.get(type);
    // A module that forgot to provide its names: a bug, said plainly rather than shown as nameless entries.
    if (!source) throw new Error(`no names source for ${type}: its module must provide one to EntityNamesService`);
    return source;
  }
}
