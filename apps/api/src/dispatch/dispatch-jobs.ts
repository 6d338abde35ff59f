import { createHash } from 'node:crypto';
import type { DispatchAction } from './dispatch.entity';

export const DISPATCH_QUEUE = 'dispatch';

/** Deliver a transition's commands: runs about `leadMs` before `at`. */
export interface TransitionJob {
  kind: 'transition';
  siteId: string;
  at: string;
  action: DispatchAction;
  kioskIds: string[];
}

/** Compare observed liveness with what the transition should have achieved. */
export interface VerifyJob {
  kind: 'verify';
  siteId: string;
  at: string;
  action: DispatchAction;
  /** 0-based index into the configured verification offsets. */
  round: number;
}

export interface PlanSiteJob {
  kind: 'plan-site';
  siteId: string;
}

export interface RepairJob {
  kind: 'repair';
}

export type DispatchJob = TransitionJob | VerifyJob | PlanSiteJob | RepairJob;

/**
 * Deterministic ids: planning twice adds nothing. The kiosk set is part of the id,
 * so a plan whose kiosks changed at the same instant replaces the old job.
 * (BullMQ ids may not contain ':'.)
 */
export function transitionJobId(siteId: string, at: Date, action: DispatchAction, kioskIds: string[]): string {
  const kiosks = createHash('sha1').update([...kioskIds].sort().join(',')).digest('hex').slice(0, 12);
  return `t_${siteId}_${at.getTime()}_${action}_${kiosks}`;
}

export function parseTransitionJobId(jobId: string): { siteId: string; atMs: number; action: DispatchAction } | undefined {
  const m = /^t_(.+)_(\d+)_(wake|shutdown)_[0-9a-f]+$/.exec(jobId);
  return m ? { siteId: m[1]!, atMs: Number(m[2]), action: m[3] as DispatchAction } : undefined;
}

export function verifyJobId(siteId: string, at: Date, action: DispatchAction, round: number): string {
  return `v_${siteId}_${at.getTime()}_${action}_${round}`;
}

export const actionFor = (state: 'on' | 'off'): DispatchAction => (state === 'on' ? 'wake' : 'shutdown');
