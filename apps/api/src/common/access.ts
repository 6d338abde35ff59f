import type { Principal } from './request-context';

/**
 * The access rules, in one place:
 * - admin and ops see and change everything;
 * - staff see their hospitals and may change kiosks and rules there;
 * - viewer sees their hospitals (all, if none assigned) and changes nothing.
 */
export function canRead(p: Principal, hospitalId: string): boolean {
  return p.hospitalIds === 'all' || p.hospitalIds.includes(hospitalId);
}

export function canEditFleet(p: Principal, hospitalId: string): boolean {
  if (p.role === 'admin' || p.role === 'ops') return true;
  return p.role === 'staff' && canRead(p, hospitalId);
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
