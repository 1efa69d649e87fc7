import { getRuntime, slaContext } from '../runtime';
import { statusPageDataFor, type PageData } from './page-data';
import { incidentByKey, maintenanceByKey, monthInHistory, type PublicIncident, type PublicMaintenance } from './history';

/** What a public HTML address shows: the page routes (src/pages) ask for it, then render it. */
export type PublicView =
  | { kind: 'status'; data: PageData }
  | { kind: 'incident'; incident: PublicIncident }
  | { kind: 'maintenance'; maintenance: PublicMaintenance }
  | { kind: 'month'; month: string }
  | { kind: 'history' }
  | { kind: 'missing' };

export type PublicAddress =
  | { kind: 'status' }
  | { kind: 'history' }
  | { kind: 'month'; month: string | undefined }
  | { kind: 'incident'; key: string | undefined }
  | { kind: 'maintenance'; key: string | undefined };

export function publicView(address: PublicAddress, now = Date.now()): PublicView {
  const { db } = getRuntime();
  switch (address.kind) {
    case 'status':
      return { kind: 'status', data: statusPageDataFor(slaContext(now)) };
    case 'history':
      return { kind: 'history' };
    case 'month':
      // A month outside the stored history is no page: the month space is endless.
      return address.month && /^\d{4}-(?:0[1-9]|1[0-2])$/.test(address.month) && monthInHistory(db, address.month, getRuntime().config.zone, now)
        ? { kind: 'month', month: address.month } : { kind: 'missing' };
    case 'incident': {
      const incident = address.key ? incidentByKey(db, address.key) : null;
      return incident ? { kind: 'incident', incident } : { kind: 'missing' };
    }
    case 'maintenance': {
      const maintenance = address.key ? maintenanceByKey(db, address.key, now) : null;
      return maintenance ? { kind: 'maintenance', maintenance } : { kind: 'missing' };
    }
  }
}

