import type { Principal } from './request-context';

/**
 * The access rules, in one place (DESIGN.md "Trust boundaries"):
 * - admin and ops see and change everything;
 * - staff see their hospitals and may change rules there, and what describes a
 *   kiosk (KIOSK_DESCRIPTION_FIELDS);
 * - viewer sees their hospitals (all, if none assigned) and changes nothing.
 * A kiosk's network coordinates and shutdown method flow into TCP connects, magic
 * packets and programs on the Pis, so only ops and admins set them, and only they
 * add, move or remove kiosks (a new kiosk carries its MAC and address).
 */
export function canRead(p: Principal, hospitalId: string): boolean {
  return p.hospitalIds === 'all' || p.hospitalIds.includes(hospitalId);
}

export function canEditFleet(p: Principal, hospitalId: string): boolean {
  if (p.role === 'admin' || p.role === 'ops') return true;
  return p.role === 'staff' && canRead(p, hospitalId);
}

/** What describes a kiosk to people; nothing here reaches the network. */
export const KIOSK_DESCRIPTION_FIELDS: readonly string[] = ['name', 'kind', 'location', 'notes'];

/** Kiosk fields beyond the description, kiosks' creation, moves and deletion. */
export function canChangeKioskNetwork(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'ops';
}

/** Hospitals a list may show: 'all', or the ids to filter by. */
export function visibleHospitals(p: Principal): string[] | 'all' {
  return p.hospitalIds;
}

/** Narrows a requested hospital filter to what the user may see; null means "nothing visible". */
export function scopeHospitalFilter(p: Principal, requested?: string): string[] | 'all' {
  const visible = visibleHospitals(p);
  if (requested) return visible === 'all' || visible.includes(requested) ? [requested] : [];
  return visible;
}

/** Webhook URLs often carry a token of the hospital's paging system: ops and admins only. */
export function canSeeWebhookUrls(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'ops';
}

/** What others see of a webhook URL: whether one is set, not where it points. */
export const HIDDEN_WEBHOOK_URL = '(hidden)';
