import { Injectable } from '@nestjs/common';

/** One who acts when schedules change: dispatch re-plans the sites and tells the consoles. */
export interface ScheduleChangeListener {
  /** The kiosks, rules or zone of these sites changed. */
  sites(siteIds: string[]): Promise<void>;
  /** Rules of the hospital changed: every site of it may have. */
  hospital(hospitalId: string): Promise<void>;
}

/**
 * Where kiosks, sites and rules (an undo too, through them) say that a committed change moved schedules,
 * without knowing who acts on it: they depend on common/, not on dispatch/ or schedule/. Each
 * notice is awaited through every listener, so a change returns to its caller once
 * its re-plan is requested, as when the callers asked dispatch directly.
 */
@Injectable()
export class ScheduleChanges {
  private readonly listeners: ScheduleChangeListener[] = [];

  listen(listener: ScheduleChangeListener): void {
    this.listeners.push(listener);
  }

  async sitesChanged(siteIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(siteIds)];
    for (const listener of this.listeners) await listener.sites(ids);
  }

  async hospitalChanged(hospitalId: string): Promise<void> {
    for (const listener of this.listeners) await listener.hospital(hospitalId);
  }
}
