import { hostname } from 'node:os';
import type { Db } from '../db';
import { enqueueMail } from '../mail/outbox';
import { formatInZone } from '../time';
import { zoneLabel } from '../i18n';
import { log } from '../log';

/**
 * A failed backup must reach a person: an error event in the log (`backup.alarm`) and an
 * alarm mail (kind `alarm`) to each operator (`alarms.operators` in the configuration),
 * queued in the outbox and sent by the worker's mail job. The attempt itself is recorded
 * with `ok = false` in `backups` by the caller.
 */
export function raiseBackupAlarm(db: Db, operators: readonly string[], message: string, now: number, zone = 'Asia/Tokyo'): void {
  log.error('backup.alarm', { message, operators: operators.length });
  const host = hostname();
  for (const to of operators) {
    try {
      enqueueMail(db, {
        to,
        kind: 'alarm',
        subject: `【警報】バックアップ失敗 / Backup failed (${host})`,
        text: [
          `データベースのバックアップに失敗しました。 / The database backup failed.`,
          '',
          `時刻 / time: ${formatInZone(now, zone, 'yyyy-LL-dd HH:mm:ss')} ${zoneLabel(zone)}`,
          `サーバー / host: ${host}`,
          `内容 / what happened: ${message}`,
          '',
          '原因を取り除き、`npm run backup` で取り直してください。',
          'Fix the cause, then run `npm run backup` to take the backup again.',
        ].join('\n'),
      }, now);
    } catch (err) {
      log.error('backup.alarm_mail_failed', { error: (err as Error).message });
    }
  }
}
