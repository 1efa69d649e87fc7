import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { parseConfig } from '../../src/lib/config';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { issueReport } from '../../src/lib/report/issue';
import { monthFigures } from '../../src/lib/sla/month';
import { tempDir } from '../helpers/temp';
import { startSite, type RunningSite } from '../helpers/site';
import { createSession, SESSION_COOKIE } from '../../src/lib/auth/session';
import { octoberScenario } from './sla-fixture';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { reportWords } from '../../src/lib/i18n-admin';

const CLIENT = { email: 'client@example.jp', password: 'client reads reports 123' };
const ADMIN = { email: 'admin@example.jp', password: 'admin reads reports 456' };

/** A request with the path exactly as written (fetch would normalize `..` away before sending). */
function raw(url: string, path: string, cookie?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let site: RunningSite;
let url: string;
let client: string;
let admin: string;
let pdfSha: string;
let remove: () => void;
let dir = '';
const expected = { web: '', el: '' };

beforeAll(async () => {
  const tmp = tempDir('report-pages-');
  remove = tmp.remove;
  dir = tmp.dir;
  const dbPath = join(tmp.dir, 'status.db');
  const db = openDatabase(dbPath);
  const config = parseConfig({});
  importInterchange(db, validateInterchange(octoberScenario()));
  const clientUser = await createUser(db, systemActor('test'), { email: CLIENT.email, role: 'client', password: CLIENT.password });
  const adminUser = await createUser(db, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  // Sessions as the sign-in page makes them (this file tests who may read reports, not signing in).
  client = `${SESSION_COOKIE}=${createSession(db, clientUser.id).token}`;
  admin = `${SESSION_COOKIE}=${createSession(db, adminUser.id).token}`;
  pdfSha = (await issueReport(db, config, '2026-10')).sha256;
  const f = monthFigures({ db, config, now: Date.now() }, '2026-10');
  expected.web = f.services[0]!.month.pct;
  expected.el = f.services[1]!.month.pct;
  db.$client.close();
  site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off' });
  url = site.url;
});
afterAll(async () => {
  await site?.stop();
  remove?.();
});

describe('/reports/ for the client and admins only', () => {
  it('sends an anonymous visitor (the public, a learner) to sign in, and gives no file', async () => {
    for (const path of ['/reports/', '/reports/2026-10', '/reports/2026-10/v1.pdf', '/reports/2026-10/v1.csv']) {
      const res = await fetch(`${url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toMatch(/^\/login\?next=/);
      expect((await res.text()).startsWith('%PDF')).toBe(false);
    }
  });

  it('lists months and versions to a client, with the figures online', async () => {
    const list = await fetch(`${url}/reports/`, { headers: { cookie: client } });
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain('2026年10月');
    expect(html).toContain('href="/reports/2026-10/v1.pdf"');
    expect(html).toContain(pdfSha);
    const page = await fetch(`${url}/reports/2026-10`, { headers: { cookie: client } });
    expect(page.status).toBe(200);
    const figures = await page.text();
    expect(figures).toContain(`${expected.web} %`);
    expect(figures).toContain(`${expected.el} %`);
    expect(figures).toContain('落雷による停電');
    expect(figures).toContain('SLA項目達成表');
    expect(figures).toContain('証明書の有効期限');
  });

  it('names the sections and the severities the same way online and in the PDF', async () => {
    const html = await (await fetch(`${url}/reports/2026-10`, { headers: { cookie: client } })).text();
    const pdfPath = join(dir, 'v1.pdf');
    writeFileSync(pdfPath, Buffer.from(await (await fetch(`${url}/reports/2026-10/v1.pdf`, { headers: { cookie: client } })).arrayBuffer()));
    const pdfText = spawnSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' }).stdout;
    const s = reportWords.sections;
    for (const heading of [s.summary, s.availability, s.calendar, s.incidents, s.stops, s.rows, s.backups, s.support]) {
      expect(html, heading).toContain(`<h2>${heading}</h2>`);
      expect(pdfText, heading).toContain(heading);
    }
    // The month's incidents carry their severity in the contract's words, never the stored code.
    for (const code of ['minor', 'major', 'critical']) expect(html).not.toMatch(new RegExp(`<td>${code}</td>`));
    expect(html).toContain(`<td>${reportWords.severity.major}</td>`);
    expect(pdfText).toContain(reportWords.severity.major);
  });

  it('lets a client and an admin download the PDF and the CSV, byte for byte as issued', async () => {
    for (const cookie of [client, admin]) {
      const pdf = await fetch(`${url}/reports/2026-10/v1.pdf`, { headers: { cookie } });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      const bytes = Buffer.from(await pdf.arrayBuffer());
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(pdfSha);
      const csv = await fetch(`${url}/reports/2026-10/v1.csv`, { headers: { cookie } });
      expect(csv.status).toBe(200);
      expect(await csv.text()).toContain('2026-10-fm');
    }
  });

  it('answers 404 for versions, months and names that do not exist', async () => {
    for (const path of ['/reports/2026-10/v2.pdf', '/reports/2026-13', '/reports/2099-01', '/reports/2026-10/v1.exe', '/reports/2026-10/v01.pdf', '/reports/2026-10/report.pdf']) {
      const res = await fetch(`${url}${path}`, { headers: { cookie: client }, redirect: 'manual' });
      expect(res.status, path).toBe(404);
    }
  });

  it('answers 404 to path tricks, even signed in', async () => {
    // Dot segments that leave /reports/ altogether (`/reports/../`) are resolved by the server before any route sees them.
    for (const path of ['/reports/2026-10/..%2f..%2fpackage.json', '/reports/2026-10/..%5cv1.pdf', '/reports/..%2f..%2fpackage.json',
      '/reports/2026-10/v1.pdf/../../../package.json', '/reports/%2e%2e%2fdata%2fstatus.db', '/reports/2026-10/%2e%2e%2fv1.pdf']) {
      const res = await raw(url, path, client);
      expect(res.status, path).toBe(404);
      expect(res.body.startsWith('%PDF')).toBe(false);
    }
  });
});
