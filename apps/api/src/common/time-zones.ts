import { IANAZone } from 'luxon';

/**
 * A site's zone: an IANA name, checked the way libs/scheduler reads zones (luxon's
 * IANAZone), so every zone a site may hold is one the schedule engine can step through.
 */
export function isValidTimeZone(zone: string): boolean {
  return zone !== '' && IANAZone.isValidZone(zone);
}
