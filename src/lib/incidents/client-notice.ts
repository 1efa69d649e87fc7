import { z } from 'zod';
import type { Db } from '../db';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { enqueueMail } from '../mail/outbox';
import { formatInZone } from '../time';
import { getIncident, parseInput, type IncidentDetail } from './verbs';

/**
 * The contract's notices to the client (委託者) are actions: one button sends the mail to
 * the configured contacts through the outbox and stamps the notice's time, in one
 * transaction (the mail exists exactly when the stamp does). A progress mail stamps nothing.
 */
export const clientNoticeKinds = ['first_report', 'eta', 'recovery', 'progress'] as const;
export type ClientNoticeKind = (typeof clientNoticeKinds)[number];

/** The incident column each notice stamps (first_report is the 発生通知 and the 第一報). */
const STAMP: Record<ClientNoticeKind, 'clientNotifiedAt' | 'etaNotifiedAt' | 'recoveryNotifiedAt' | null> = {
  first_report: 'clientNotifiedAt', eta: 'etaNotifiedAt', recovery: 'recoveryNotifiedAt', progress: null,
};
const COLUMN = { clientNotifiedAt: 'client_notified_at', etaNotifiedAt: 'eta_notified_at', recoveryNotifiedAt: 'recovery_notified_at' } as const;

const SUBJECT: Record<ClientNoticeKind, string> = {
  first_report: '【障害発生のご連絡（第一報）】', eta: '【障害の復旧見込みのご連絡】', recovery: '【障害復旧のご連絡】', progress: '【障害の経過のご連絡】',
};

export const clientNoticeSchema = z.strictObject({
  kind: z.enum(clientNoticeKinds),
  /** The admin's words for this notice (required for the expected-recovery notice: when, and why). */
  note: z.string().trim().max(5000),
});

export interface ClientNoticeOptions {
  contacts: readonly string[];
  zone: string;
  /** The site's address, for the link to the incident's public page. */
  siteUrl: string;
}

/** Which notice an update marked "also notify the client" counts as. */
export function nextNoticeKind(i: Pick<IncidentDetail, 'clientNotifiedAt' | 'recoveredAt' | 'recoveryNotifiedAt'>): ClientNoticeKind {
  if (i.clientNotifiedAt === null) return 'first_report';
  if (i.recoveredAt !== null && i.recoveryNotifiedAt === null) return 'recovery';
  return 'progress';
}

export function sendClientNotice(db: Db, actor: Actor, id: number, input: z.input<typeof clientNoticeSchema>, opts: ClientNoticeOptions, now = Date.now()): { queued: number } {
  const v = parseInput(clientNoticeSchema, input);
  if (opts.contacts.length === 0) throw new AppError('CONFLICT', 'client.contacts: no client contact is configured', [{ path: 'notice', message: 'no_contacts' }]);
  if (v.kind === 'eta' && v.note === '') throw new AppError('VALIDATION', 'note: the expected recovery must be written', [{ path: 'note', message: 'required' }]);
  return db.$client.transaction(() => {
    const i = getIncident(db, id);
    if (!i || i.draft) throw new AppError('NOT_FOUND', `incident ${id} not found`);
    if (v.kind === 'recovery' && i.recoveredAt === null) throw new AppError('CONFLICT', 'recovery notice before recovery', [{ path: 'notice', message: 'needs_recovered' }]);
    const at = (ms: number | null) => (ms === null ? '未記録' : `${formatInZone(ms, opts.zone, 'yyyy-LL-dd HH:mm')} (JST)`);
    const latest = i.updates.find((u) => u.published);
    const services = i.services.map((s) => s.nameJa).join('、') || '–';
    const text = [
      '委託者ご担当者様',
      '',
      `${SUBJECT[v.kind].replace(/[【】]/g, '')}を申し上げます。`,
      '',
      `件名: ${i.titleJa}`,
      `対象サービス: ${services}`,
      `発生日時: ${at(i.startedAt)}`,
      `認知日時: ${at(i.awareAt)}`,
      ...(i.recoveredAt !== null ? [`復旧日時: ${at(i.recoveredAt)}`] : []),
      ...(v.note ? ['', v.note] : []),
      ...(latest ? ['', `最新の公開情報（${at(latest.at)}）:`, latest.bodyJa] : []),
      '',
      `公開ページ: ${opts.siteUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(i.key)}`,
    ].join('\n');
    for (const to of opts.contacts) enqueueMail(db, { to, subject: `${SUBJECT[v.kind]}${i.titleJa.replace(/[\r\n]+/g, " ")}`.slice(0, 200), text, kind: `client_notice.${v.kind}` }, now);
    const stamp = STAMP[v.kind];
    if (stamp && i[stamp] === null) db.$client.prepare(`UPDATE incidents SET ${COLUMN[stamp]} = ?, updated_at = ? WHERE id = ?`).run(now, now, id);
    recordAudit(db, actor, 'incident.client_notice', 'incident', id, null, { kind: v.kind, to: opts.contacts.length, stamped: stamp && i[stamp] === null ? stamp : null }, now);
    return { queued: opts.contacts.length };
  }).immediate();
}
