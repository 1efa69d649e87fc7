import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError, jsonPath } from './errors';
import { slaRowsSchema } from './sla/catalogue';

/** An IP address or a CIDR range (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`). */
const ipOrCidr = z.string().refine((s) => isIP(s.split('/')[0]!) !== 0 && (!s.includes('/') || /^\d{1,3}$/.test(s.split('/')[1]!)), 'must be an IP address or a CIDR range such as 10.0.0.0/8');

/**
 * The site's settings file (JSON, at CONFIG_PATH). Everything has a default that works, so
 * the file is optional. Services and monitors are not here: the database holds them.
 */
const configSchema = z.strictObject({
  site: z.strictObject({
    name: z.strictObject({ ja: z.string().min(1), en: z.string().min(1) }).default({ ja: 'サービス稼働状況', en: 'Service status' }),
    default_lang: z.enum(['ja', 'en']).default('ja'),
  }).default({ name: { ja: 'サービス稼働状況', en: 'Service status' }, default_lang: 'ja' }),
  zone: z.string().refine((z) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: z });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Asia/Tokyo').default('Asia/Tokyo'),
  fiscal_year_start_month: z.number().int().min(1).max(12).default(4),
  /** The SLA rules (SLA.md): planned-stop rules, incident timer limits and the SLA table. */
  sla: z.strictObject({
    notice_days: z.number().int().min(0).default(14),
    /** Maintenance window: weekdays from this hour to `window_until_hour` the next morning. */
    window_from_hour: z.number().int().min(0).max(23).default(18),
    window_until_hour: z.number().int().min(0).max(23).default(8),
    /** `jp`: Japanese public holidays are not weekdays for the window rule; `none`: no holiday calendar. */
    holidays: z.enum(['jp', 'none']).default('jp'),
    /** Incident timer limits, from the admin's awareness (first_report_min: from detection). */
    timers: z.strictObject({
      client_notify_h: z.number().positive().default(12),
      eta_notify_h: z.number().positive().default(12),
      recovery_notify_h: z.number().positive().default(12),
      recovery_notify_major_h: z.number().positive().default(24),
      security_notify_h: z.number().positive().default(12),
      security_response_h: z.number().positive().default(1),
      first_report_min: z.number().positive().default(15),
      recovery_h: z.number().positive().default(4),
      progress_every_h: z.number().positive().default(4),
      written_report_h: z.number().positive().default(24),
    }).prefault({}),
    /** The SLA table; replaces the default catalogue (src/lib/sla/catalogue.ts) when given. */
    rows: slaRowsSchema.optional(),
  }).prefault({}),
  /** The monthly PDF report (REPORT.md). */
  report: z.strictObject({
    /** Issue last month's report automatically (the worker, on the 1st of each month at 06:00 in the zone). */
    enabled: z.boolean().default(true),
    /** Where `npm run report` writes files without --out; by default `reports/` next to the database. */
    dir: z.string().min(1).optional(),
    /** The client (委託者) named on the cover. */
    client: z.string().min(1).default('委託者 御中'),
    /** The maintenance contractor (保守管理者) named on the cover. */
    contractor: z.string().min(1).default('保守管理者'),
    /** Where the probe checks from, for the appendix. */
    probe_locations: z.array(z.string().min(1)).default(['本サーバー（同一ホスト上の監視プロセス）']),
  }).prefault({}),
  /** E-mail subscriptions of the public page (src/lib/subscriptions). */
  subscriptions: z.strictObject({
    /** Subscribers hear of a planned stop this many hours before it starts (besides its announcement). */
    remind_before_h: z.number().positive().max(24 * 14).default(24),
    /** Subscription requests one address (IP) may make in an hour. */
    requests_per_hour: z.number().int().min(1).max(1000).default(5),
    /** A confirmation link works this many hours. */
    confirm_valid_h: z.number().positive().max(24 * 30).default(48),
  }).prefault({}),
  /** The support desk (src/lib/support): its timer limits, survey links and the public form's limits. */
  support: z.strictObject({
    /** A mail or form item is acknowledged (the acknowledgement mail sent) within this many hours (004 row 5). */
    ack_h: z.number().positive().default(2),
    /** An application (category `request`) is processed and the requester told within this many hours (004 row 15). */
    processing_h: z.number().positive().default(24),
    /** A survey link works this many days. */
    survey_valid_days: z.number().int().min(1).max(365).default(30),
    /** Items one e-mail address may raise through the public form in an hour. */
    per_address_per_hour: z.number().int().min(1).max(100).default(3),
    /** Items one client address (IP) may raise through the public form in an hour. */
    per_client_per_hour: z.number().int().min(1).max(1000).default(10),
    /** Longest text of an item, in characters. */
    body_max_chars: z.number().int().min(100).max(20_000).default(4000),
    /** Who answers, and when: the acknowledgement mail names them and is signed by the desk. */
    desk: z.strictObject({
      name: z.strictObject({ ja: z.string().min(1).max(100), en: z.string().min(1).max(100) })
        .default({ ja: 'サポートデスク', en: 'Support desk' }),
      hours: z.strictObject({ ja: z.string().min(1).max(200), en: z.string().min(1).max(200) })
        .default({ ja: '平日 9:00〜17:00（土日・祝日・年末年始を除く）', en: 'Weekdays 9:00–17:00 Japan time (except weekends, public holidays and the New Year holidays)' }),
      /** A person answers within this many business days of receiving the item. */
      reply_business_days: z.number().int().min(1).max(30).default(1),
      /** Optional lines under the signature (a phone number, an address). */
      contact: z.strictObject({ ja: z.string().max(300), en: z.string().max(300) }).default({ ja: '', en: '' }),
    }).prefault({}),
  }).prefault({}),
  probe: z.strictObject({
    concurrency: z.number().int().min(1).max(1000).default(64),
    /** /healthz fails when the probe's heartbeat is older than this. */
    stale_after_s: z.number().int().min(5).default(60),
    /** A waiting worker takes the lease once the holder's heartbeat has stood still this long. */
    lease_ttl_s: z.number().int().min(3).max(600).default(15),
  }).default({ concurrency: 64, stale_after_s: 60, lease_ttl_s: 15 }),
  /** Incident records: the categories a cause is classified in (障害統計), shown as written. */
  incidents: z.strictObject({
    cause_categories: z.array(z.string().trim().min(1).max(100)).min(1).refine((l) => new Set(l).size === l.length, 'must not repeat a category')
      .default(['ハードウェア', 'ソフトウェア', 'ネットワーク', '外部サービス', '作業ミス', 'セキュリティ', '不明']),
  }).prefault({}),
  /** The client (委託者): the contacts who receive the contract's failure notices (first report, expected recovery, recovery). */
  client: z.strictObject({
    contacts: z.array(z.email()).default([]),
  }).prefault({}),
  /** Alarm mail from the probe (confirmed outages, recoveries, threshold warnings). */
  alarms: z.strictObject({
    /** Operators who receive alarm mail. */
    operators: z.array(z.email()).default([]),
    /** Successful checks in a row before a recovery is confirmed and announced. */
    recovery_confirm: z.number().int().min(1).max(100).default(2),
    /** Also mail when a threshold warning clears. */
    mail_warning_cleared: z.boolean().default(true),
    /** A threshold warning clears only after this many answered checks in a row without it (hysteresis). */
    warning_clear_checks: z.number().int().min(1).max(1000).default(3),
    /** Flap damping: an outage beginning within this long after the last one recovered joins it (one alarm, one draft, one "unstable" mail). */
    flap_window_s: z.number().int().min(0).max(86_400).default(600),
    /** A flapping alarm closes (with one recovery mail) once the monitor has been up this long. */
    flap_settle_s: z.number().int().min(1).max(86_400).default(300),
  }).default({ operators: [], recovery_confirm: 2, mail_warning_cleared: true, warning_clear_checks: 3, flap_window_s: 600, flap_settle_s: 300 }),
  /** Nightly online backups of the database (src/lib/backup). */
  backup: z.strictObject({
    enabled: z.boolean().default(true),
    /** Local time (the configured zone) of the nightly backup, HH:MM. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM such as 02:30').default('02:30'),
    /** Folder of the backup files; by default `backups/` next to the database (data/backups). */
    dir: z.string().min(1).optional(),
    /** Generations kept; older backup files are deleted after a successful backup. */
    generations: z.number().int().min(1).max(366).default(5),
    /** A second folder (another disk or a mount) that receives a copy of each backup. */
    copy_to: z.string().min(1).nullable().default(null),
  }).default({ enabled: true, time: '02:30', generations: 5, copy_to: null }),
  /** Probe agents on other hosts (src/lib/agents). */
  agents: z.strictObject({
    /** Results whose agent clock is further than this from the site's are refused. */
    max_skew_s: z.number().int().min(1).max(3600).default(120),
    /** Requests per agent per minute; more are answered 429. */
    requests_per_min: z.number().int().min(1).max(10_000).default(120),
    /** Results in one batch, at most. */
    batch_max: z.number().int().min(1).max(50_000).default(5000),
    /** Results older than this are refused (the agent's spool keeps no more than this). */
    max_age_h: z.number().int().min(1).max(24 * 35).default(72),
  }).default({ max_skew_s: 120, requests_per_min: 120, batch_max: 5000, max_age_h: 72 }),
  /** The failover snapshot: the public answers as static files (src/lib/status/snapshot.ts). */
  snapshot: z.strictObject({
    enabled: z.boolean().default(true),
    /** Folder of the files; by default `snapshot/` next to the database (data/snapshot). A web server serves it when the site does not answer. */
    dir: z.string().min(1).optional(),
    /**
     * A second place that receives every change: a folder (another disk, a mount), or
     * `{ "command": "rsync -a --delay-updates ./ web2:/srv/status-snapshot/" }`, run in the
     * snapshot folder (also named by SNAPSHOT_DIR).
     */
    copy_to: z.union([z.string().min(1), z.strictObject({ command: z.string().min(1) })]).nullable().default(null),
  }).default({ enabled: true, copy_to: null }),
  /** Nightly deletion of old raw checks (runs, gaps and rollups are kept) and compaction. */
  /**
   * Proxies whose X-Forwarded-For / -Proto / -Host headers are believed (addresses or CIDR
   * ranges, e.g. ["127.0.0.1", "::1"] behind nginx on the same machine). None by default:
   * the socket's address is the visitor's, and forwarded headers from anyone are dropped.
   */
  /**
   * `/metrics` (Prometheus text format, src/lib/metrics): answered only to a request bearing
   * the token whose SHA-256 (hex) is `token_sha256` (the file never holds the token itself),
   * or from an address in `allow` (addresses or CIDR ranges). Neither set: refused to all.
   */
  metrics: z.strictObject({
    allow: z.array(ipOrCidr).default([]),
    token_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the token, 64 lowercase hex digits (printf %s TOKEN | sha256sum)').optional(),
  }).prefault({}),
  trusted_proxies: z.array(ipOrCidr).default([]),
  retention: z.strictObject({
    /** Raw checks older than this many days are deleted. */
    checks_days: z.number().int().min(35, 'must be at least 35 so a whole month of raw checks is kept').default(400),
    /** Local time of the nightly retention run, HH:MM. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM such as 03:30').default('03:30'),
    /** Give the space of deleted rows back to the file system (incremental vacuum). */
    compact: z.boolean().default(true),
  }).default({ checks_days: 400, time: '03:30', compact: true }),
});

export type Config = z.infer<typeof configSchema>;

export function parseConfig(value: unknown, source = 'configuration'): Config {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
    throw new AppError('CONFIG', `${source}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}

/** Reads and validates the file at `path`, or returns the defaults when there is none. */
export function loadConfig(path: string | undefined): Config {
  if (!path) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG', `cannot read the configuration file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('CONFIG', `the configuration file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(value, `configuration file ${path}`);
}
