// Runs a Zabbix webhook media type script with node: `node zabbix-shim.mjs SCRIPT VALUE_JSON`.
// Zabbix runs the script as a function body with `value` (the parameters as JSON), a
// synchronous `HttpRequest` and `Zabbix.log`; this gives it the same, prints what it returns,
// and exits 1 with what it throws.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [script, value] = process.argv.slice(2);
const FETCH = `let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', async () => {
  const { url, headers, body } = JSON.parse(input);
  const res = await fetch(url, { method: 'POST', headers: Object.fromEntries(headers.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()])), body });
  process.stdout.write(JSON.stringify({ status: res.status, body: await res.text() }));
});`;

class HttpRequest {
  headers = [];
  status = 0;
  addHeader(h) { this.headers.push(h); }
  post(url, body) {
    const r = spawnSync(process.execPath, ['-e', FETCH], { input: JSON.stringify({ url, headers: this.headers, body }), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`request failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout);
    this.status = out.status;
    return out.body;
  }
  getStatus() { return this.status; }
}
const Zabbix = { log: (level, message) => process.stderr.write(`[${level}] ${message}\n`) };

try {
  const result = new Function('value', 'HttpRequest', 'Zabbix', readFileSync(script, 'utf8'))(value, HttpRequest, Zabbix);
  process.stdout.write(String(result));
} catch (err) {
  process.stderr.write(String(err));
  process.exit(1);
}
