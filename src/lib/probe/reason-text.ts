/**
 * What the probe found, in words an operator reads at 3 a.m.: a plain sentence in Japanese
 * (or English) for a check's reason (`connection refused` → 接続を拒否されました) and a name for
 * an alarm's code. The probe's own text stays stored and is shown only as a detail. Pure, so
 * the admin pages, the operators' mail and the dashboard's browser script share it.
 */
export type ReasonLang = 'ja' | 'en';

type Sentence = { ja: string; en: string };
type Rule = [RegExp, (m: RegExpExecArray) => Sentence];

const RULES: Rule[] = [
  [/^connection refused$|ECONNREFUSED/, () => ({ ja: '接続を拒否されました', en: 'The connection was refused' })],
  [/^connection reset$/, () => ({ ja: '接続が途中で切断されました', en: 'The connection was reset' })],
  [/^host not found$/, () => ({ ja: 'ホスト名が見つかりません（DNSで引けません）', en: 'The host name was not found' })],
  [/^DNS lookup failed/, () => ({ ja: 'DNSの問い合わせに一時的に失敗しました', en: 'The DNS lookup failed for a moment' })],
  [/^(connection )?timed out( after (\d+) ms)?$/, () => ({ ja: '応答がなく時間切れになりました', en: 'No answer in time' })],
  [/^no answer within (\d+) ms$/, () => ({ ja: '応答がなく時間切れになりました', en: 'No answer in time' })],
  [/^host unreachable$/, () => ({ ja: 'ホストに到達できません', en: 'The host cannot be reached' })],
  [/^check cancelled$/, () => ({ ja: '確認が中断されました', en: 'The check was cancelled' })],
  [/^TLS certificate expires today \((.+)\)$/, (m) => ({ ja: `SSL証明書の有効期限が今日（${m[1]}）で切れます`, en: `The TLS certificate expires today (${m[1]})` })],
  [/^TLS certificate expires in (\d+) days? \((.+)\)$/, (m) => ({ ja: `SSL証明書の有効期限まであと${m[1]}日です（${m[2]}）`, en: `The TLS certificate expires in ${m[1]} day(s) (${m[2]})` })],
  [/^TLS certificate has expired|^TLS certificate expired/, () => ({ ja: 'SSL証明書の有効期限が切れています', en: 'The TLS certificate has expired' })],
  [/^TLS certificate is not (yet )?valid/, () => ({ ja: 'SSL証明書の有効期間がまだ始まっていません', en: 'The TLS certificate is not valid yet' })],
  [/^TLS certificate is not trusted/, () => ({ ja: 'SSL証明書が信頼されていません（発行元が不明です）', en: 'The TLS certificate is not trusted' })],
  [/^TLS certificate is self-signed$/, () => ({ ja: 'SSL証明書が自己署名です', en: 'The TLS certificate is self-signed' })],
  [/^TLS certificate chain is incomplete$/, () => ({ ja: 'SSL証明書の中間証明書が不足しています', en: 'The TLS certificate chain is incomplete' })],
  [/^TLS certificate does not match/, () => ({ ja: 'SSL証明書がホスト名と一致しません', en: 'The TLS certificate does not match the host name' })],
  [/^the server sent no certificate$/, () => ({ ja: 'サーバーが証明書を送ってきません', en: 'The server sent no certificate' })],
  [/^the server does not speak TLS/, () => ({ ja: 'このポートはTLS（HTTPS）で応答しません', en: 'The server does not speak TLS on this port' })],
  [/^TLS error/, () => ({ ja: 'TLS（HTTPS）の接続に失敗しました', en: 'The TLS connection failed' })],
  [/^the server answered something that is not HTTP$/, () => ({ ja: 'HTTPではない応答が返りました', en: 'The answer was not HTTP' })],
  [/^HTTP (\d{3}), expected (.+)$/, (m) => ({ ja: `HTTP ${m[1]} が返りました（正常は ${m[2]}）`, en: `The server answered HTTP ${m[1]} (expected ${m[2]})` })],
  [/^the page answered HTTP (\d{3})$/, (m) => ({ ja: `ページが HTTP ${m[1]} を返しました`, en: `The page answered HTTP ${m[1]}` })],
  [/^the page is not HTML/, () => ({ ja: 'ページがHTMLではありません', en: 'The page is not HTML' })],
  [/^more than (\d+) redirects$/, (m) => ({ ja: `リダイレクトが${m[1]}回を超えました`, en: `More than ${m[1]} redirects` })],
  [/^keyword '(.*)' not found$/, (m) => ({ ja: `ページに「${m[1]}」が含まれていません`, en: `The page does not contain “${m[1]}”` })],
  [/^keyword '(.*)' found$/, (m) => ({ ja: `ページに「${m[1]}」が含まれています`, en: `The page contains “${m[1]}”` })],
  [/^slow: (\d+) ms, over (\d+) ms$/, (m) => ({ ja: `応答が遅くなっています（${m[1]} ミリ秒、基準 ${m[2]} ミリ秒）`, en: `Slow: ${m[1]} ms (limit ${m[2]} ms)` })],
  [/^no answer to ping/, () => ({ ja: 'pingに応答がありません', en: 'No answer to ping' })],
  [/^(\d+)% packet loss$/, (m) => ({ ja: `パケットの${m[1]}%が失われています`, en: `${m[1]}% of packets lost` })],
  [/^no (\w+) record$/, (m) => ({ ja: `DNSの${m[1]}レコードがありません`, en: `No DNS ${m[1]} record` })],
  [/; expected /, () => ({ ja: 'DNSの応答が期待した値と異なります', en: 'The DNS answer is not the expected one' })],
  [/^SELECT 1 did not return 1$/, () => ({ ja: 'データベースが正しく応答しません', en: 'The database does not answer correctly' })],
  [/^the push URL has never been called$/, () => ({ ja: '定期実行の通知がまだ一度も届いていません', en: 'The push URL has never been called' })],
  [/^no push for /, () => ({ ja: '定期実行の通知が途絶えています', en: 'The pushes have stopped' })],
  [/^the job reported a failure/, () => ({ ja: '定期実行の処理が失敗を報告しました', en: 'The job reported a failure' })],
  [/^connection closed without a greeting/, () => ({ ja: '接続時の応答が期待したものと異なります', en: 'The greeting was not the expected one' })],
  [/^CPU (\d+(?:\.\d+)?) %/, (m) => ({ ja: `CPU使用率が${m[1]}%に達しています`, en: `CPU use is at ${m[1]} %` })],
  [/^memory (\d+(?:\.\d+)?) % used/, (m) => ({ ja: `メモリ使用率が${m[1]}%に達しています`, en: `Memory use is at ${m[1]} %` })],
  [/^disk (\S+) (\d+(?:\.\d+)?) % full/, (m) => ({ ja: `ディスク（${m[1]}）の使用率が${m[2]}%に達しています`, en: `Disk ${m[1]} is ${m[2]} % full` })],
  [/^traffic on (\S+) /, (m) => ({ ja: `${m[1]} の通信量が基準を超えています`, en: `Traffic on ${m[1]} is over the limit` })],
  [/^(\d+) broken links?:/, (m) => ({ ja: `ページに${m[1]}件のリンク切れがあります`, en: `The page has ${m[1]} broken link(s)` })],
  [/^down$/, () => ({ ja: '応答がありません', en: 'No answer' })],
];

/** A plain sentence for a check's reason; null for one it does not know (the caller says something general). */
export function knownReason(reason: string, lang: ReasonLang): string | null {
  const text = reason.trim();
  for (const [re, say] of RULES) {
    const m = re.exec(text);
    if (m) return say(m)[lang];
  }
  return null;
}

/** A plain sentence for a check's reason, always: a general one when the reason is not known. */
export function reasonText(reason: string, lang: ReasonLang): string {
  return knownReason(reason, lang) ?? (lang === 'ja' ? '監視で異常を検知しました（詳細は下記）' : 'The check found a problem (details below)');
}

const CODE_NAMES: Record<string, Sentence> = {
  down: { ja: '停止', en: 'Down' },
  tls_expiry: { ja: 'SSL証明書の期限', en: 'Certificate expiry' },
  broken_links: { ja: 'リンク切れ', en: 'Broken links' },
  cpu: { ja: 'CPU使用率', en: 'CPU use' },
  memory: { ja: 'メモリ使用率', en: 'Memory use' },
  disk: { ja: 'ディスク使用率', en: 'Disk use' },
  network: { ja: '通信量', en: 'Traffic' },
};

/** An alarm's code as a word (`down` → 停止); codes with a suffix (`disk:/var`) by their kind. */
export function alarmCodeName(code: string, lang: ReasonLang): string {
  const known = CODE_NAMES[code] ?? CODE_NAMES[code.split(/[:_]/)[0]!] ?? (code.startsWith('network') ? CODE_NAMES.network : undefined);
  return known ? known[lang] : lang === 'ja' ? '警告' : 'Warning';
}
