import type { AstroCookies } from 'astro';
import { DateTime } from 'luxon';
import type { z } from 'zod';
import { AppError } from './errors';
import { termsOf } from './i18n';
import { timerNames } from './sla/timers';
import { durationWords } from './duration-words';

/**
 * The admin pages' words, Japanese and English. The visitor's language is their choice (the
 * `lang` cookie set by the switch in the header), else their browser's first preference,
 * else Japanese.
 */
export type AdminLang = 'ja' | 'en';
export const LANG_COOKIE = 'lang';

export function adminLang(request: Request, cookies?: Pick<AstroCookies, 'get'>): AdminLang {
  const chosen = cookies?.get(LANG_COOKIE)?.value;
  if (chosen === 'ja' || chosen === 'en') return chosen;
  const first = (request.headers.get('accept-language') ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'ja';
}

const ja = {
  htmlLang: 'ja',
  otherLang: 'English',
  crossOrigin: '他のサイトからの変更要求は受け付けません。',
  signInFirst: 'ログインしてください。',
  forbidden: 'この操作を行う権限がありません（閲覧のみのアカウントです）。',
  refused: 'この要求は受け付けられません。',
  internalError: '内部エラーのため処理できませんでした。時間をおいて再度お試しください。',
  adminTitle: '保守管理',
  nav: { dashboard: 'ダッシュボード', incidents: '障害', maintenance: '計画停止', monitors: '監視', sla: 'SLA入力', support: '問い合わせ', users: 'ユーザー', audit: '監査ログ', account: 'アカウント', signOut: 'ログアウト', publicPage: '公開ページ', reports: 'SLA月次報告', subscribers: '購読者' },
  common: {
    save: '保存', cancel: '取消', now: '今', clear: 'クリア', edit: '編集', back: '戻る', yes: 'はい', no: 'いいえ', none: 'なし', set: '設定',
    unset: '未設定', details: '詳細', zoneNote: '時刻は日本時間（JST）で表示しています。', saved: '保存しました。', fixErrors: '入力内容を確認してください。',
    optional: '任意', readOnly: '閲覧のみのアカウントです。変更はできません。', notFound: '見つかりません。', conflict: 'この操作は現在の状態ではできません。',
    ja: '日本語', en: '英語', minutes: '分', hours: '時間', days: '日',
  },
  errors: {
    required: '入力してください。', invalid: '値が正しくありません。', email: 'メールアドレスの形式が正しくありません。',
    tooShort: (n: number) => `${n}文字以上で入力してください。`, tooLong: (n: number) => `${n}文字以内で入力してください。`,
    min: (n: number) => `${n}以上にしてください。`, max: (n: number) => `${n}以下にしてください。`, choose: '選択肢から選んでください。',
    chooseOne: '1つ以上選んでください。', url: 'http:// または https:// で始まるURLを入力してください。', datetime: '日時を正しく入力してください（例 2026-10-01 09:00）。', number: '数値を入力してください。',
    in_future: '未来の時刻は入力できません。', before_start: '発生日時より前にはできません。', needs_recovered: '先に復旧日時を入力してください。', no_contacts: '委託者の連絡先（client.contacts）が設定されていません。', missing_fields: '未記入の項目があります。記入するか、「未記入のまま発行する」を選んでください。', stamped_by_issuing: '障害報告書を発行した時刻が記録されます（入力はできません）。',
    required_with_force_majeure: '不可抗力とする場合は理由を入力してください。', duplicate: '同じものが重複しています。', unknown_service: '存在しないサービスです。',
    taken: 'この識別子は既に使われています。', slug: '半角英小文字・数字・ハイフンで入力してください。', end_before_start: '終了は開始より後にしてください。',
    not_a_number: '数値を入力してください。', not_json: 'JSONとして正しくありません。', wrong_code: '確認コードが正しくありません。', wrong: '正しくありません。',
    last_admin: '最後の保守管理者のアカウントは無効にできません。', already_exists: '既に登録されています。', already_marked: '既に誤検知として登録されています。',
    not_scheduled: '予定中の計画停止ではありません。', not_in_progress: '実施中の計画停止ではありません。', finished: '終了または中止済みです。',
    not_found: '見つかりません。', length: '長さが正しくありません。', mismatch: '確認用の入力が一致しません。',
    not_begun: 'この月はまだ始まっていません。', still_running: 'この月はまだ終わっていません。確定版は月が終わってから発行できます（今までの分は速報として発行できます）。',
    month_ended: 'この月は終わっています。確定版を発行してください。', issued_meanwhile: '同時に別の版が発行されました。もう一度お試しください。',
  },
  login: {
    title: 'ログイン', email: 'メールアドレス', password: 'パスワード', code: '確認コード（2段階認証を設定している場合）', submit: 'ログイン',
    invalid: 'メールアドレス、パスワードまたは確認コードが正しくありません。',
    retryIn: (seconds: number) => `次の試行まで ${seconds} 秒お待ちください。`,
    wait: (seconds: number) => `ログインの失敗が続いたため、${seconds} 秒後に再度お試しください。`,
    totpRequired: '認証アプリの6桁の確認コードを入力してください。',
    signedOut: 'ログアウトしました。',
  },
  account: {
    title: 'アカウント', signedInAs: 'ログイン中', role: '権限', roles: { admin: '保守管理者', client: '委託者（閲覧のみ）' },
    changePassword: 'パスワードの変更', current: '現在のパスワード', next: '新しいパスワード（12文字以上）', confirm: '新しいパスワード（確認）',
    passwordChanged: 'パスワードを変更しました。他の端末のログインは終了しました。',
    signOutEverywhere: 'すべての端末からログアウト', signedOutEverywhere: (n: number) => `${n}件のログインを終了しました。`,
    totp: '2段階認証（TOTP）', totpOn: '有効', totpOff: '無効', totpBegin: '設定を始める',
    totpSecret: '認証アプリに次のキーを登録し、表示された6桁のコードを入力してください:', totpUri: '登録用URI',
    totpConfirm: '有効にする', totpDisable: '無効にする', totpEnabled: '2段階認証を有効にしました。', totpDisabled: '2段階認証を無効にしました。',
    code: '確認コード',
  },
  monitorForm: {
    typeLabels: {
      http: 'HTTP(S) ページの応答', tcp: 'TCPポートの接続', ping: '死活（ping）', dns: 'DNSの名前解決', tls: 'SSL証明書の期限', mysql: 'MySQLへの接続',
      ftp: 'FTPへの接続', 'page-health': 'ページの健全性（リンク切れ）', resources: 'CPU・ディスク・メモリ・通信量', push: '外部からの通知（プッシュ）', external: '他の監視ツールのアラート（Alertmanager・Zabbix）',
    } as Record<string, string>,
    changeType: '種類を切り替える',
    changeTypeHint: '入力済みの共通項目はそのまま残ります。',
    listHint: '複数あるときはカンマ（,）で区切ります',
    targetFormat: {
      http: 'http:// または https:// で始まるURLを入力してください（例: https://learn.example.jp/）。',
      'page-health': 'http:// または https:// で始まるURLを入力してください（例: https://www.example.jp/）。',
      resources: 'node_exporter のURLを入力してください（例: http://host.example.jp:9100/metrics）。',
      tcp: 'ホスト名:ポート番号の形で入力してください（例: db.example.jp:3306）。',
      tls: 'ホスト名:ポート番号（省略時 443）または https:// のURLを入力してください。',
      ping: 'ホスト名またはIPアドレスを入力してください（例: learn.example.jp）。',
      dns: 'ドメイン名を入力してください（例: www.example.jp）。',
      mysql: 'mysql://ユーザー:パスワード@ホスト:ポート/データベース の形で入力してください（ユーザーは必須）。',
      ftp: 'ftp://ユーザー:パスワード@ホスト:ポート（パスなし）または ftps:// の形で入力してください。',
      push: '16〜128文字のトークン（英数字と「-」「_」）を入力してください。',
      external: 'アラートのラベル条件を入力してください（例: service="elearning", severity="critical"）。Zabbix では host="web01" やタグ名も使えます。',
    } as Record<string, string>,
    optionInvalid: 'この項目の値が正しくありません。説明を確認してください。',
    optionLabels: {
      expected_status: '正常とみなすHTTPステータス（例: 200-399）', keyword: 'ページに含まれているべき語', keyword_absent: 'ページに含まれていてはいけない語',
      degraded_ms: '「遅い」とみなす応答時間（ミリ秒）', method: 'HTTPメソッド', headers: '送信するヘッダー', follow_redirects: 'リダイレクトをたどる', max_redirects: 'たどるリダイレクトの上限',
      ignore_tls_errors: '証明書の誤りを無視する', tls_warn_days: '証明書の期限切れを警告する残り日数', tls_critical_days: '証明書の期限切れを重大とする残り日数',
      warn_days: '警告する残り日数', critical_days: '重大とする残り日数', servername: 'サーバー名（SNI）', record_type: 'DNSレコードの種類', server: '問い合わせ先のDNSサーバー',
      expected: '期待する応答', expect_banner: '期待する接続時の応答', count: '送信回数', degraded_loss_pct: '「遅い」とみなす損失率（%）', tls: 'TLSの使い方',
      list_path: '一覧を取得するパス', depth: 'たどる深さ', max_links: '確認するリンクの上限', external: '外部サイトへのリンクも確認する', concurrency: '同時に確認する数',
      every_s: '送信間隔（秒）', source: 'アラートの送信元（「アラート送信元」で作成した識別名）', grace_s: '猶予（秒）', devices: '対象のデバイス', mountpoints: '対象のマウントポイント',
      network_warn_bytes_s: '警告する通信量（バイト毎秒）', network_critical_bytes_s: '重大とする通信量（バイト毎秒）',
      redirect_to_private: '内部ネットワークのアドレスへのリダイレクトもたどる', ca: '信頼する認証局の証明書（PEM形式、自己署名の場合）',
      cpu_warn_pct: 'CPU使用率の警告値（%）', cpu_critical_pct: 'CPU使用率の重大値（%）', memory_warn_pct: 'メモリ使用率の警告値（%）',
      memory_critical_pct: 'メモリ使用率の重大値（%）', disk_warn_pct: 'ディスク使用率の警告値（%）', disk_critical_pct: 'ディスク使用率の重大値（%）',
    } as Record<string, string>,
  },
  notice: {
    title: '委託者への通知',
    to: (list: string) => `送信先（設定ファイル client.contacts）: ${list}`,
    noContacts: '委託者の連絡先が設定されていません。設定ファイルの client.contacts にメールアドレスを設定すると、ここから通知を送れます。',
    kinds: { first_report: '発生通知（第一報）', eta: '復旧見込通知', recovery: '復旧通知', progress: '経過の連絡' } as Record<string, string>,
    send: { first_report: '第一報を送る', eta: '復旧見込みを送る', recovery: '復旧を知らせる' } as Record<string, string>,
    sendAgain: 'もう一度送る',
    sentAt: (at: string) => `送信済み ${at}`,
    note: '添える文（任意）',
    etaNote: '復旧の見込み（いつ頃、どのように）',
    alsoNotify: (kind: string) => `委託者にも通知する（${kind}としてメールで送り、時刻を記録します）`,
    doneBy: '完了になる操作',
    waitsFor: {
      client_notified: '「第一報を送る」', first_report: '「第一報を送る」', eta_notified: '「復旧見込みを送る」', recovery_notified: '「復旧を知らせる」（復旧の記録後）',
      recovery: '「復旧として記録」', progress_report: '公開する経過の追加', written_report: '「障害報告書を発行」', security_response: '対応着手の時刻',
    } as Record<string, string>,
  },
  incidentTools: {
    statistics: '障害統計',
    statisticsLead: (fy: number) => `${fy}年度に発生した障害の件数と時間（サービス別・原因の分類別・重大度別・月別・発生時刻別）、MTTR・MTBF、多い原因、90日以内の再発。年間報告書の「障害統計と傾向」と同じです。`,
    fiscalYear: '年度',
    show: '表示',
    search: '障害の検索',
    searchLabel: '件名・原因・対処・再発防止策・経過の文中の語句',
    searchButton: '検索',
    searchHint: '3文字以上の語句は文の途中でも見つかります。空白で区切ると、すべてを含むものを探します。',
    noHits: '見つかりませんでした。',
    hits: (n: number) => `${n} 件`,
    similar: '過去の類似障害',
    similarLead: '同じサービス、同じ原因の分類、似た語句の障害（復旧済み）。原因・対処・再発防止策を参考にしてください。',
    similarNone: '似た過去の障害はありません。',
    reasons: { service: '同じサービス', category: '同じ原因の分類', text: '似た語句' } as Record<string, string>,
    cause: '原因', fix: '対処', prevention: '再発防止策', unset: '（未記入）',
  },
  writtenReport: {
    title: '障害報告書',
    sentAt: (at: string) => `委託者へ送付 ${at}`,
    version: (n: number) => `第${n}版（PDF）`,
    open: '復旧を記録すると発行できます（未復旧の障害の報告書は発行できません）。',
    missing: (names: string) => `未記入の項目: ${names}`,
    acceptMissing: '未記入のまま発行する',
    issue: (n: number) => `障害報告書を発行して委託者へ送る（第${n}版）`,
    preview: '報告書の内容（発行すると PDF になります）',
  },
  quick: {
    title: '障害を登録',
    button: '障害を登録',
    lead: '対象のサービスと影響を選んで登録すると、公開ページに第一報を掲載し、障害認知の時刻を今として期限の計測を始めます。原因や重大度などは後から障害のページで追記できます。',
    service: '対象のサービス',
    impact: '影響',
    impacts: { major_outage: '利用できない（停止）', partial_outage: '一部の機能が利用できない', degraded_performance: '遅い' } as Record<string, string>,
    titleOf: (template: string) => `件名: ${template.replace('{service}', '〇〇')}`,
    body: '公開ページに掲載する第一報',
    bodyHint: '定型文のままで登録できます。必要に応じて書き換えてください。',
    ownTitle: '件名を自分で入力する（任意）',
    titleLabel: '件名',
    titleHint: '空欄の場合は、影響に応じた定型の件名になります。',
    awareNote: '登録した時刻が障害認知日時と発生日時になります（後から修正できます）。',
    submit: '登録して公開する',
  },
  dashboard: {
    probeOutput: '監視の出力',
    reportSettingsUnset: '報告書の表紙の委託者名・保守管理者名が未設定です（設定ファイルの report 節）。このままでは仮の表記で発行されます。',
    title: 'ダッシュボード', services: 'サービスと監視', alarms: 'アラームと警告', noAlarms: '未対応のアラームはありません。',
    acknowledge: '確認', acknowledged: '確認済み', recovered: '復旧', openIncidents: '対応中の障害', noIncidents: '対応中の障害はありません。',
    nearest: '直近の期限', nextStop: '次の計画停止', noStop: '予定された計画停止はありません。', drafts: (n: number) => `確認待ちの障害候補が${n}件あります。`,
    live: '自動更新中', stale: '更新できません。接続を確認してください。', paused: '一時停止中', lastCheck: '最終確認', sound: 'アラーム音を有効にする',
    status: { up: '正常', degraded: '低速', down: '停止', unknown: '未確認' } as Record<string, string>,
    severity: { warning: '警告', critical: '重大' } as Record<string, string>,
    nextAction: '次の対応', noAction: '期限の迫っている対応はありません。',
    inquiries: '新しい問い合わせ', noInquiries: '未着手の問い合わせはありません。', ackBy: '受領確認の期限',
  },
  clockStep: {
    title: '時刻の変化で除外した確認結果',
    seen: (at: string, s: string) => `${at} に検知（時刻の変化 ${s}）`,
    back: '戻り', ahead: '進み',
    setAside: (n: number) => `未来の時刻が記録されていた確認結果 ${n} 件を集計から除外しました。その時間は監視できていない時間として扱います。`,
    none: '除外した確認結果はありません。飛ばされた時間は監視できていない時間として扱います。',
    monitor: '監視項目', location: '監視場所', local: 'このサーバー', count: '件数', span: '記録されていた時刻', down: 'うち停止',
    review: '確認済みにする', reviewed: '時刻の変化を確認済みにしました。',
  },
  health: {
    stopped: '監視が止まっています', warning: '監視に関する注意', technical: '技術的な詳細（英語）', other: '監視に問題があります。技術的な詳細を確認してください。',
    seconds: (cause: string, s: number): string | null => {
      const n = Math.abs(s);
      switch (cause) {
        case 'probe_stale': case 'lease_held_elsewhere': case 'lease_holder_gone': return `最後の応答は ${n} 秒前です。`;
        case 'agent_silent': return `${n} 秒前から連絡がありません。`;
        case 'agent_clock_skew': return `時計のずれ ${n} 秒（${s > 0 ? '進み' : '遅れ'}）。`;
        case 'clock_step': return `時刻の変化 ${n} 秒（${s < 0 ? '戻り' : '進み'}）。`;
        default: return null;
      }
    },
    causes: {
      disk_full: 'データベースのディスクが一杯です。空きを作ると監視プロセスは自動で再開します。',
      read_only: 'データベースに書き込めません（読み取り専用）。',
      file_gone: 'データベースのファイルが削除されています。停止すると以後の記録は失われます。バックアップから復元してください。',
      file_replaced: 'データベースのファイルが別のファイルに置き換えられました。サイトと監視プロセスを再起動してください。',
      io_error: 'データベースの読み書きに失敗しています。',
      database: 'データベースに接続できません。',
      probe_not_running: '監視プロセスが動いていません。',
      probe_stale: '監視プロセスの応答が途絶えています。',
      lease_held_elsewhere: '監視の担当が別ホストの監視プロセスにあり、その応答が途絶えています。',
      lease_holder_gone: '監視を担当していたプロセスが終了しました。次の監視プロセスが起動すると引き継ぎます。',
      clock_step: '監視プロセスのサーバーの時刻が急に変わりました。確認結果にはシステムの時刻を記録します。未来の時刻が記録された確認結果は集計から除き、その間は監視できていない時間として扱います。下の一覧を確認してください。NTPの設定も確認してください。',
      agent_clock_skew: 'エージェントの時計がサイトの時計と大きくずれているため、その結果を受け付けていません。エージェントのNTP設定を確認してください。',
      agent_silent: 'エージェントからの連絡が途絶えています。連絡が戻るまで、その監視場所の結果は停止の判定に使いません。',
      mail_unconfirmed: 'メールサーバーが受け取ったまま送信完了を返さなかったメールがあります。届いている可能性があるため再送していません。宛先に届いたか確認してください。',
      delivery_failed: '通知先（Webhook・Slack・Teams）への送信を諦めたメッセージがあります。通知先の画面で理由を確認してください。',
    } as Record<string, string>,
  },
  incident: {
    list: '障害一覧', new: '障害を登録', drafts: '監視が検知した障害候補（確認待ち）', confirm: '障害として確定', merge: '既存の障害に統合', mergeInto: '統合先',
    dismiss: '障害ではない（却下）', dismissQuestion: 'この障害候補を却下しますか？', dismissDetail: (reason: string) => `却下すると、この候補は障害として扱われなくなります。理由: ${reason}`, reason: '理由', open: '対応中', resolved: '復旧済み', draft: '候補', key: '番号',
    kind: '種別', kinds: { failure: '障害', security: 'セキュリティ障害（不正アクセス等）' } as Record<string, string>,
    severity: '重大度', severities: termsOf('incidentSeverity', 'ja') as Record<string, string>,
    titleJa: '件名（日本語）', titleEn: '件名（英語）', services: '影響するサービス', impact: '影響',
    impacts: { '': '影響なし', degraded_performance: '低速', partial_outage: '一部停止', major_outage: '停止' } as Record<string, string>,
    cause: '原因', fix: '対応内容', prevention: '再発防止策', causeKnown: '原因', causeKnownValues: { '': '未判定', known: '判明', unknown: '不明' } as Record<string, string>, causeCategory: '原因の分類', causeCategoryUnset: '未分類',
    forceMajeure: '不可抗力（災害時など）', forceMajeureReason: '不可抗力の理由', startedAt: '発生日時',
    awareAt: '認知日時（保守管理者の障害認知）', awareAtNote: '既定値は記録した時刻です。実際の認知がそれより前の場合は、その時刻に修正してください。',
    times: '契約上の時刻', timeNames: {
      startedAt: '発生', detectedAt: '検知', awareAt: '認知', clientNotifiedAt: '発生通知', etaNotifiedAt: '復旧見込通知',
      recoveredAt: '復旧', recoveryNotifiedAt: '復旧通知', responseStartedAt: '対応着手（セキュリティ）', writtenReportAt: '障害報告書提出',
    } as Record<string, string>,
    timers: 'SLAタイマー', timer: '項目', deadline: '期限', left: '残り', state: '判定',
    states: termsOf('judgement', 'ja') as Record<string, string>,
    overdue: '超過', timeline: '経過', addUpdate: '経過を追加', status: '状況',
    statuses: termsOf('incidentState', 'ja') as Record<string, string>,
    bodyJa: '内容（日本語）', bodyEn: '内容（英語）', published: '公開ページに掲載する', internal: '内部のみ', publishedMark: '公開',
    resolve: '復旧として記録', resolveBody: '復旧の報告（日本語）', resolveBodyEn: '復旧の報告（英語）', firstUpdate: '最初の報告（任意）',
    falsePositive: '誤検知として記録', notifiedNote: '公開した経過は購読者に通知されます。', edit: '内容を編集', noUpdates: '経過はまだありません。',
    dismissed: '却下済み', mergedInto: '統合先',
  },
  stop: {
    list: '計画停止一覧', new: '計画停止を登録', category: '区分',
    categories: { inspection: '定期計画停止: 定期点検', preventive: '定期計画停止: 予防保守', security: '臨時計画停止: セキュリティ保守', functional: '臨時計画停止: サービス機能保守', external: '臨時計画停止: システム外要因' } as Record<string, string>,
    titleJa: '件名（日本語）', titleEn: '件名（英語）', bodyJa: '説明（日本語）', bodyEn: '説明（英語）', services: '対象サービス',
    scheduledStart: '予定開始', scheduledEnd: '予定終了', announcedAt: '計画停止予定通知の送信日時', clientApprovedAt: '委託者承認日時', holdOpen: '終了は手動で記録する（予定終了時刻に自動で終了しない）',
    status: '状態', statuses: termsOf('maintenanceState', 'ja') as Record<string, string>,
    actualStart: '実際の開始', actualEnd: '実際の終了', start: '開始', finish: '終了', cancel: '中止',
    restore: '中止を取り消す', cancelQuestion: 'この計画停止を中止しますか？', cancelDetail: '中止した計画停止は稼働率の計算から除外されなくなり、公開ページには「中止」と表示されます。中止は後から取り消せます。',
    restoreQuestion: 'この計画停止の中止を取り消しますか？', restoreDetail: '計画停止は中止前の状態（予定または実施中）に戻ります。',
    warningsTitle: 'この計画停止は契約のルールに反します。',
    warnings: {
      notice: '計画停止予定通知が開始の14日前までに行われていません（通知日時から予定開始まで14日未満です）。委託者の承認がない場合、停止時間は稼働率の計算から除外されません。',
      window: '予定時間の一部が保守時間帯（平日18:00〜翌08:00）の外にあります。SLA項目の未達成として報告されます。',
      frequency: '同じ月に定期計画停止がすでに登録されています（定期計画停止は月1回まで）。SLA項目の未達成として報告されます。',
    } as Record<string, string>,
    confirmSave: 'ルール違反を承知のうえで保存する', recordedWarnings: '保存時のルール違反', confirmedAt: '確認日時', noticeDays: '通知日数',
    auto: '予定時刻になると自動で開始・終了します。',
    notAnnounced: '未告知', notAnnouncedNote: '委託者への計画停止予定通知はまだ送信されていません。通知日数は送信した時点から数えます。',
    announce: '保存と同時に告知する（委託者へ計画停止予定通知を、購読者へお知らせをメールで送信します）',
    announceNow: '告知する（メールを送信）', announced: '告知のメールを送信しました。',
    noContacts: '委託者の連絡先が設定されていないため、計画停止予定通知は送信されません（購読者へのお知らせのみ送信します）。',
    mailNote: '告知した計画停止は、日時の変更・中止・開始・終了のたびに委託者と購読者へメールで知らせます。',
    currentWarnings: '現在のルール違反', ruleNames: { notice: '通知期限', window: '時間帯', frequency: '月の回数' } as Record<string, string>, warningsColumn: 'ルール違反',
  },
  monitor: {
    title: 'サービスと監視', newService: 'サービスを追加', newMonitor: '監視を追加', service: 'サービス', slug: '識別子（英小文字・数字・ハイフン）',
    nameJa: '名称（日本語）', nameEn: '名称（英語）', target: 'SLA目標（%）', sortOrder: '表示順', type: '監視の種類', monitorTarget: '監視対象（URL、ホストなど）',
    interval: '間隔（秒）', timeout: 'タイムアウト（秒）', confirm: '停止と判定する連続失敗回数', counts: '稼働率の計算に含める', options: '種類ごとの設定',
    optionsNote: '空欄の項目は既定値で監視します。送信するヘッダーだけは JSON（例: {"Authorization": "Bearer …"}）で入力します。',
    secretNote: 'パスワード・トークン・ヘッダーの値は、保存後は表示しません（********）。変更しない場合はそのまま保存してください。変更する場合は新しい値を入力してください。', secretAgain: '保存済みの値がないため、この秘密の値を入力してください。', secretsCleared: '監視対象の接続先が変わったため、保存済みのパスワード・トークン・ヘッダーの値を消去しました（新しい接続先には送りません）。必要なら入力し直してください。', pause: '一時停止', resume: '再開', paused: '一時停止中', active: '稼働中',
    pauseAll: 'すべての監視を一時停止', resumeAll: 'すべての監視を再開', testNow: '今すぐテスト', testResult: 'テスト結果', latency: '応答時間', reason: '詳細',
    outages: '最近の停止（監視による）', outageStart: '開始', outageEnd: '終了', markFalse: '誤検知にする', falsePositive: '誤検知', noOutages: '最近の停止はありません。',
    monitors: '監視', noMonitors: '監視はまだありません。', defaultValue: '既定値',
    serviceLifeNote: 'SLA目標と表示順を変更しても、終わった月の集計と報告書は変わりません（当月からは新しい値で判定します）。名称の変更は記録が残らないため、終わった月の報告書と API の表示名にも反映されます（数値は変わりません）。',
    settingsLifeNote: 'サービス・監視の種類・監視対象・間隔・タイムアウト・停止と判定する連続失敗回数・稼働率の計算に含めるかの変更は、保存した時点から適用されます。それより前の時間（終わった月を含む）は、その時の設定のまま集計され、報告書にもその時の設定で載ります。種類ごとの設定（応答が遅いとみなす時間など）は各確認の結果として記録されるため、変更しても過去の結果は変わりません。',
    remove: 'この監視を削除', removed: '削除済み', removeNote: '削除しても記録は残り、この監視があった期間の稼働率・監視率は変わりません。',
  },
  alertSources: {
    title: 'アラート送信元', nav: 'アラート送信元', name: '識別名 (英小文字・数字・ハイフン)', kind: '種類', kinds: { alertmanager: 'Prometheus Alertmanager', zabbix: 'Zabbix' } as Record<string, string>,
    silence: '無通信とみなすまでの時間（分）', silenceNote: 'この時間、送信元から何も届かない（Watchdog アラートも届かない）間、その送信元を使う監視は「監視なし」になり、正常とはみなしません。',
    add: '送信元を追加', revoke: '失効させる', revoked: '失効', active: '有効', lastHeard: '最終受信', never: '未受信',
    tokenOnce: 'このトークンは今回だけ表示されます。監視ツールの設定に控えてください。サーバーにはハッシュ値のみ保存されます。',
    url: '送信先URL', confirmRevoke: '失効させると、この送信元からの送信はすべて拒否されます。', none: '送信元はまだありません。',
  },
  destinations: {
    title: '通知先（Webhook・Slack・Teams）', nav: '通知先', name: '名前', kind: '種類',
    kinds: { webhook: '汎用Webhook（署名付きJSON）', slack: 'Slack（Incoming Webhook）', teams: 'Microsoft Teams（Workflows）' } as Record<string, string>,
    url: '送信先URL', urlKeep: '空欄のままなら保存済みのURLを変更しません。', urlNote: 'SlackやTeamsのURLには認証情報が含まれるため、保存後は表示しません。',
    lang: '言語', topics: '送る通知', alarms: '監視の障害検知・復旧（運用者向け。管理画面へのリンク）', incidents: '公開した障害情報の更新（公開ページの内容のみ）', maintenances: '計画停止のお知らせ（予定・変更・中止・開始・終了）',
    topicNames: { alarms: '障害検知・復旧', incidents: '障害情報', maintenances: '計画停止' } as Record<string, string>,
    services: '対象サービス', allServices: 'すべてのサービス', add: '通知先を追加', save: '変更を保存', edit: '編集', pause: '一時停止', resume: '再開', paused: '一時停止中', active: '有効',
    delete: '削除', confirmDelete: '削除すると、未送信のメッセージは送信を取りやめます。送信済みの記録は残ります。', test: 'テスト送信', testQueued: 'テストメッセージを送信待ちにしました。数秒で届きます。',
    secretOnce: 'この署名用シークレットは今回だけ表示されます。受信側の設定に控えてください。以後は表示しません。', secret: '署名用シークレット',
    none: '通知先はまだありません。', pending: '送信待ち', failed: '送信失敗', lastSent: '最終送信', lastFailure: '最後の失敗の理由', never: '未送信', deleted: '削除しました。',
    errorText: {
      refused: (status: string) => `相手先が HTTP ${status} を返しました（再送しても受け付けられないため送信を諦めました）`,
      retryable: (status: string) => `相手先が HTTP ${status} を返しました`,
      timeout: (seconds: string) => `${seconds}秒以内に応答がありませんでした`,
      connection: () => '接続できませんでした', withdrawn: () => '送信を取りやめました', other: () => '送信できませんでした',
    },
  },
  metricsToken: {
    title: '/metrics のアクセストークン', none: 'トークンは発行されていません。', active: 'トークンが発行されています（ハッシュ値のみ保存）。', since: '発行日時',
    fromFile: '設定ファイル（metrics.token_sha256）のトークンも引き続き使えます。', issue: 'トークンを発行', reissue: 'トークンを再発行（これまでのトークンは無効）', revoke: 'トークンを失効させる',
    once: 'このトークンは今回だけ表示されます。Prometheus の設定（authorization の credentials）に控えてください。サーバーにはハッシュ値のみ保存されます。', revoked: 'トークンを失効させました。',
  },
  agents: {
    title: '監視場所とエージェント', nav: '監視場所', location: '監視場所', name: '識別名 (英小文字・数字・ハイフン)', labelJa: '表示名 (日本語)', labelEn: '表示名 (英語)',
    control: '制御用の監視対象 (URL、任意)', controlNote: 'この場所のネットワークが正常かを確かめる宛先です。失敗している間、この場所の結果は停止の判定に使いません。',
    add: 'エージェントを追加', revoke: '失効させる', revoked: '失効', active: '有効', lastContact: '最終連絡', lag: '遅れ', clockOffset: '時計のずれ',
    spool: '未送信', deadLetter: '受け付けられず保留した結果', health: 'エージェントの状態', never: '未連絡', builtIn: '本サーバーの監視プロセス',
    tokenOnce: 'このトークンは今回だけ表示されます。エージェントのホストに控えてください。サーバーにはハッシュ値のみ保存されます。',
    run: 'エージェントのホストで実行:', confirmRevoke: '失効させると、このエージェントからの送信はすべて拒否されます。',
    reissue: 'トークンを再発行', confirmReissue: '新しいトークンを発行します。これまでのトークンはすぐに使えなくなります。これまでの結果は残ります。',
    locations: '監視場所と定足数', quorum: '定足数 (空欄はその時点で報告している監視場所の過半数)', quorumNote: '停止と判定するには、この数以上の監視場所が同時に停止を確認している必要があります。変更はこの時点から適用され、過去の月の集計は変わりません。',
    saveLocations: '監視場所を保存', byLocation: '監視場所ごとの最新の結果 (管理者のみ)', lastCheck: '最新の確認', noChecks: '結果なし',
  },
  sla: { title: 'SLA項目の手入力', month: '対象月', row: '項目', value: '値', note: '備考', save: '保存', missing: 'この版ではSLA項目の手入力はまだ使えません。', noRows: '手入力する項目は設定されていません。' },
  users: {
    title: 'ユーザー', add: 'ユーザーを追加', email: 'メールアドレス', role: '権限', password: '初期パスワード（12文字以上）', disabled: '無効',
    enabled: '有効', disable: '無効にする', enable: '有効にする', resetPassword: 'パスワードを再設定', newPassword: '新しいパスワード', totp: '2段階認証',
    lastSignIn: '最終ログイン', signOutEverywhere: 'すべての端末からログアウトさせる', created: '作成日時',
  },
  support: {
    title: '問い合わせ・対応項目', new: '対応項目を登録（電話・メール・対面）', open: '未完了のみ', all: 'すべて', none: '対応項目はありません。',
    number: '受付番号', receivedAt: '受付日時', channel: '経路', category: '種別', service: 'サービス', status: '状態', requester: '依頼者',
    email: 'メールアドレス', name: '氏名', body: '内容', acknowledged: '受領確認', closed: '完了日時', minutes: '作業時間（分）', raisedBy: '依頼元',
    raisedByValues: { learner: '利用者（フォーム）', client: '委託者', admin: '保守管理者が登録' } as Record<string, string>,
    notService: '指定なし', month: '今月', opened: '受付', closedCount: '完了・見送り', hours: '作業時間', standard: (h: number) => `標準 ${h}時間`,
    approach: '委託者と協議した対応方法', agreedAt: '協議日時', saveApproach: '対応方法を記録',
    changeStatus: '状態を変更', to: '新しい状態', statusNote: '依頼者への連絡文（任意）', reportedVia: '連絡方法（メールアドレスがない場合）',
    reportedViaValues: { '': '—', phone: '電話で連絡した', in_person: '対面で連絡した', mail: 'メール', none: '依頼者には連絡しない' } as Record<string, string>,
    mailsRequester: '状態を変更すると、依頼者にメールで知らせます。完了・見送りにすると満足度アンケートのリンクを送ります。対象外（迷惑・範囲外）にすると何も送らず（未送信のメールも取り消します）、件数・SLAの集計から除きます。',
    noEmail: 'メールアドレスがないため、電話または対面で連絡し、その方法を記録してください。',
    viaForm: '問い合わせフォームから', timeline: '経過', kinds: { received: '受付', status: '状態変更', approach: '対応方法の協議', note: 'メモ', survey_sent: 'アンケート送付' } as Record<string, string>,
    mailSent: (at: string) => `メール送信 ${at}`, mailPending: 'メール送信待ち', mailFailed: 'メール送信失敗',
    logMinutes: '作業時間を記録', workedAt: '作業日時', minutesNote: '作業内容（任意）', byAdmin: '担当者別', total: '合計',
    addNote: 'メモを追加（内部のみ）', note: 'メモ', surveys: '満足度アンケート', surveyAnswered: '回答済み', surveyOpen: '未回答', surveyUntil: (at: string) => `${at} まで有効`,
    campaign: '年次満足度アンケートを開始', campaignNote: '過去1年間に完了した項目の依頼者へ、アンケートのリンクを1人1回送ります。',
    campaignQuestion: (n: number) => `${n}人の依頼者へアンケートのメールを送りますか？`, campaignConfirm: (n: number) => `${n}人へ送る`,
    campaignSent: (n: number) => `${n}件のアンケートを送りました。`, ackAtReception: '受付時（電話・対面）',
  },
  subscribers: {
    title: '購読者', counts: 'サービスごとの購読者数', service: 'サービス', all: 'すべてのサービス', confirmed: '確認済み', unconfirmed: '未確認',
    list: '購読者一覧（メールアドレスは一部を伏せて表示しています）', email: 'メールアドレス', lang: '言語', what: '通知の種類', since: '登録日時', none: '購読者はいません。',
    incidents: '障害', maintenances: '計画停止', exportTitle: '購読者一覧の書き出し',
    exportNote: '購読者のメールアドレスは個人情報です。書き出すと、実行者・日時・理由・件数が監査ログに記録されます。',
    confirm: '個人情報を含む一覧を書き出すことを確認しました', reason: '理由', exportButton: 'CSVを書き出す',
    needConfirm: '書き出すには、確認欄にチェックを入れてください。', needReason: '理由を10文字以上で入力してください。', tooLong: '理由は500文字以内で入力してください。',
    forbidden: '購読者の情報は保守管理者のみ閲覧できます。', shown: (n: number, total: number) => `${total}件中${n}件を表示しています。`,
  },
  audit: { title: '監査ログ', at: '日時', actor: '実行者', action: '操作', entity: '対象', before: '変更前', after: '変更後', older: 'さらに古い記録', note: '監査ログは追記のみで、変更・削除はできません。' },
};

export type AdminWords = typeof ja;

const en: AdminWords = {
  htmlLang: 'en',
  otherLang: '日本語',
  crossOrigin: 'Changes requested from another site are refused.',
  signInFirst: 'Please sign in.',
  forbidden: 'You are not allowed to do this (this account can only read).',
  refused: 'This request is refused.',
  internalError: 'An internal error stopped this request. Please try again later.',
  adminTitle: 'Operations',
  nav: { dashboard: 'Dashboard', incidents: 'Incidents', maintenance: 'Planned stops', monitors: 'Monitors', sla: 'SLA entries', support: 'Support', users: 'Users', audit: 'Audit log', account: 'Account', signOut: 'Sign out', publicPage: 'Public page', reports: 'Monthly SLA reports', subscribers: 'Subscribers' },
  common: {
    save: 'Save', cancel: 'Cancel', now: 'Now', clear: 'Clear', edit: 'Edit', back: 'Back', yes: 'Yes', no: 'No', none: 'None', set: 'Set',
    unset: 'Not set', details: 'Details', zoneNote: 'Times are Japan Standard Time (JST)', saved: 'Saved.', fixErrors: 'Please check the fields marked below.',
    optional: 'optional', readOnly: 'This account can only read; it cannot change anything.', notFound: 'Not found.', conflict: 'This cannot be done in the current state.',
    ja: 'Japanese', en: 'English', minutes: 'min', hours: 'h', days: 'd',
  },
  errors: {
    required: 'Please fill this in.', invalid: 'This value is not valid.', email: 'This is not a valid e-mail address.',
    tooShort: (n) => `Use at least ${n} characters.`, tooLong: (n) => `Use at most ${n} characters.`,
    min: (n) => `Must be ${n} or more.`, max: (n) => `Must be ${n} or less.`, choose: 'Choose one of the options.',
    chooseOne: 'Choose at least one.', url: 'Enter a URL starting with http:// or https://.', datetime: 'Enter a date and time (for example 2026-10-01 09:00).', number: 'Enter a number.',
    in_future: 'A time in the future is not allowed.', before_start: 'Cannot be before the start.', needs_recovered: 'Set the recovery time first.', no_contacts: 'No client contact (client.contacts) is configured.', missing_fields: 'Some fields are empty. Fill them in, or choose "Issue with empty fields".', stamped_by_issuing: 'Stamped when the written report is issued (it cannot be typed).',
    required_with_force_majeure: 'Give the reason for force majeure.', duplicate: 'The same entry appears twice.', unknown_service: 'No such service.',
    taken: 'This identifier is already used.', slug: 'Use lower-case letters, digits and hyphens.', end_before_start: 'The end must be after the start.',
    not_a_number: 'Enter a number.', not_json: 'This is not valid JSON.', wrong_code: 'The code is wrong.', wrong: 'This is wrong.',
    last_admin: 'The last admin cannot be removed.', already_exists: 'Already registered.', already_marked: 'Already marked as a false positive.',
    not_scheduled: 'This planned stop is not scheduled.', not_in_progress: 'This planned stop is not in progress.', finished: 'It has finished or was cancelled.',
    not_found: 'Not found.', length: 'The length is wrong.', mismatch: 'The two entries do not match.',
    not_begun: 'This month has not begun yet.', still_running: 'This month is still running: its final report can be issued once it ends (a provisional report up to now can be issued).',
    month_ended: 'This month has ended: issue its final report.', issued_meanwhile: 'Another version was issued meanwhile. Please try again.',
  },
  login: {
    title: 'Sign in', email: 'E-mail', password: 'Password', code: 'Code (if two-step sign-in is on)', submit: 'Sign in',
    invalid: 'The e-mail, the password or the code is wrong.',
    retryIn: (seconds) => `Wait ${seconds} s before the next try.`,
    wait: (seconds) => `Too many failed sign-ins: try again in ${seconds} s.`,
    totpRequired: 'Enter the 6-digit code from your authenticator app.',
    signedOut: 'You have signed out.',
  },
  account: {
    title: 'Account', signedInAs: 'Signed in as', role: 'Role', roles: { admin: 'Admin', client: 'Client (read only)' },
    changePassword: 'Change password', current: 'Current password', next: 'New password (12 characters or more)', confirm: 'New password again',
    passwordChanged: 'Your password is changed. Other sign-ins have ended.',
    signOutEverywhere: 'Sign out everywhere', signedOutEverywhere: (n) => `${n} sign-in(s) ended.`,
    totp: 'Two-step sign-in (TOTP)', totpOn: 'On', totpOff: 'Off', totpBegin: 'Set up',
    totpSecret: 'Add this key to your authenticator app, then enter the 6-digit code it shows:', totpUri: 'Set-up URI',
    totpConfirm: 'Turn on', totpDisable: 'Turn off', totpEnabled: 'Two-step sign-in is on.', totpDisabled: 'Two-step sign-in is off.',
    code: 'Code',
  },
  monitorForm: {
    typeLabels: {
      http: 'HTTP(S) page answers', tcp: 'TCP port open', ping: 'Alive (ping)', dns: 'DNS resolves', tls: 'SSL certificate expiry', mysql: 'MySQL connects',
      ftp: 'FTP connects', 'page-health': 'Page health (broken links)', resources: 'CPU, disk, memory, traffic', push: 'Push from outside', external: 'Alerts of another monitoring tool (Alertmanager, Zabbix)',
    },
    changeType: 'Switch type',
    changeTypeHint: 'What you typed in the common fields is kept.',
    listHint: 'separate several with commas',
    targetFormat: {
      http: 'Enter a URL starting with http:// or https:// (for example https://learn.example.jp/).',
      'page-health': 'Enter a URL starting with http:// or https:// (for example https://www.example.jp/).',
      resources: 'Enter the node_exporter URL (for example http://host.example.jp:9100/metrics).',
      tcp: 'Enter host:port (for example db.example.jp:3306).',
      tls: 'Enter host:port (443 when left out) or an https:// URL.',
      ping: 'Enter a host name or an IP address (for example learn.example.jp).',
      dns: 'Enter a domain name (for example www.example.jp).',
      mysql: 'Enter mysql://user:password@host:port/database (user required).',
      ftp: 'Enter ftp://user:password@host:port (no path) or ftps://….',
      push: 'Enter a secret of 16 to 128 letters, digits, - or _.',
      external: 'Enter the alert\'s label matchers (for example service="elearning", severity="critical"). For Zabbix, host="web01" and tag names work too.',
    },
    optionInvalid: 'This value is not valid; see the description.',
    optionLabels: {
      expected_status: 'HTTP status taken as up (for example 200-399)', keyword: 'Word the page must contain', keyword_absent: 'Word the page must not contain',
      degraded_ms: 'Response time taken as slow (ms)', method: 'HTTP method', headers: 'Headers to send', follow_redirects: 'Follow redirects', max_redirects: 'Most redirects to follow',
      ignore_tls_errors: 'Ignore certificate errors', tls_warn_days: 'Warn this many days before the certificate expires', tls_critical_days: 'Critical this many days before expiry',
      warn_days: 'Warn days before', critical_days: 'Critical days before', servername: 'Server name (SNI)', record_type: 'DNS record type', server: 'DNS server to ask',
      expected: 'Expected answer', expect_banner: 'Expected greeting', count: 'Packets to send', degraded_loss_pct: 'Loss taken as slow (%)', tls: 'TLS mode',
      list_path: 'Path to list', depth: 'Depth to follow', max_links: 'Most links to check', external: 'Also check links to other sites', concurrency: 'Checks at once',
      every_s: 'Interval (s)', source: 'Alert source (the name made under Alert sources)', grace_s: 'Grace (s)', devices: 'Devices', mountpoints: 'Mount points',
      network_warn_bytes_s: 'Traffic to warn at (bytes/s)', network_critical_bytes_s: 'Traffic taken as critical (bytes/s)',
      redirect_to_private: 'Also follow redirects to internal network addresses', ca: 'Trusted CA certificate (PEM, for a self-signed server)',
      cpu_warn_pct: 'CPU use to warn at (%)', cpu_critical_pct: 'CPU use taken as critical (%)', memory_warn_pct: 'Memory use to warn at (%)',
      memory_critical_pct: 'Memory use taken as critical (%)', disk_warn_pct: 'Disk use to warn at (%)', disk_critical_pct: 'Disk use taken as critical (%)',
    },
  },
  notice: {
    title: 'Notices to the client',
    to: (list) => `Sent to (configuration client.contacts): ${list}`,
    noContacts: 'No client contact is configured. Set e-mail addresses in client.contacts of the configuration to send notices from here.',
    kinds: { first_report: 'First report', eta: 'Expected recovery', recovery: 'Recovery', progress: 'Progress' },
    send: { first_report: 'Send the first report', eta: 'Send the expected recovery', recovery: 'Announce the recovery' },
    sendAgain: 'Send again',
    sentAt: (at) => `sent ${at}`,
    note: 'Message to add (optional)',
    etaNote: 'Expected recovery (when, and how)',
    alsoNotify: (kind) => `Also notify the client (mailed as the ${kind} notice; its time is recorded)`,
    doneBy: 'Done by',
    waitsFor: {
      client_notified: '"Send the first report"', first_report: '"Send the first report"', eta_notified: '"Send the expected recovery"', recovery_notified: '"Announce the recovery" (after recovery)',
      recovery: '"Record recovery"', progress_report: 'a published update', written_report: '"Issue the written report"', security_response: 'the response start time',
    },
  },
  incidentTools: {
    statistics: 'Failure statistics',
    statisticsLead: (fy) => `Incidents that began in fiscal year ${fy}: counts and time by service, cause category, severity, month and hour of day; MTTR and MTBF; the most frequent causes; recurrences within 90 days. The same as the yearly report's statistics (in Japanese).`,
    fiscalYear: 'Fiscal year',
    show: 'Show',
    search: 'Search incidents',
    searchLabel: 'Words in titles, causes, fixes, preventions and updates',
    searchButton: 'Search',
    searchHint: 'Three characters or more are found anywhere, mid-sentence too. Words separated by spaces must all appear.',
    noHits: 'Nothing found.',
    hits: (n) => `${n} found`,
    similar: 'Similar past incidents',
    similarLead: 'Recovered incidents on the same service, with the same cause category or similar words: their cause, fix and prevention.',
    similarNone: 'No similar past incident.',
    reasons: { service: 'same service', category: 'same cause category', text: 'similar words' },
    cause: 'Cause', fix: 'Fix', prevention: 'Prevention', unset: '(not written)',
  },
  writtenReport: {
    title: 'Written failure report (障害報告書)',
    sentAt: (at) => `sent to the client ${at}`,
    version: (n) => `version ${n} (PDF)`,
    open: 'It can be issued once the recovery is recorded (never for an incident still open).',
    missing: (names) => `Empty fields: ${names}`,
    acceptMissing: 'Issue with empty fields',
    issue: (n) => `Issue the written report and send it to the client (version ${n})`,
    preview: 'What the report says (the PDF once issued)',
  },
  quick: {
    title: 'Record an outage',
    button: 'Record an outage',
    lead: 'Choose the service and the impact: the first public update is posted and the contract timers start now (awareness = now). Cause, severity and the rest can be added later on the incident page.',
    service: 'Service',
    impact: 'Impact',
    impacts: { major_outage: 'Unavailable (outage)', partial_outage: 'Partly unavailable', degraded_performance: 'Slow' },
    titleOf: (template) => `title: ${template.replace('{service}', '…')}`,
    body: 'First public update',
    bodyHint: 'You can record it with this standard text, or rewrite it.',
    ownTitle: 'Write your own title (optional)',
    titleLabel: 'Title (Japanese)',
    titleHint: 'Left empty, the standard title for the impact is used.',
    awareNote: 'The time of recording becomes the awareness and start time (you can correct them later).',
    submit: 'Record and publish',
  },
  dashboard: {
    probeOutput: 'Probe output',
    reportSettingsUnset: 'The client and contractor names of the report cover are not set (the report section of the configuration); reports would be issued with placeholders.',
    title: 'Dashboard', services: 'Services and monitors', alarms: 'Alarms and warnings', noAlarms: 'No alarm needs attention.',
    acknowledge: 'Acknowledge', acknowledged: 'Acknowledged', recovered: 'Recovered', openIncidents: 'Open incidents', noIncidents: 'No open incident.',
    nearest: 'Nearest deadline', nextStop: 'Next planned stop', noStop: 'No planned stop is scheduled.', drafts: (n) => `${n} incident draft(s) from the probe await confirmation.`,
    live: 'Updating live', stale: 'Cannot update. Check the connection.', paused: 'Paused', lastCheck: 'Last check', sound: 'Turn on the alarm sound',
    status: { up: 'Up', degraded: 'Slow', down: 'Down', unknown: 'Unknown' },
    severity: { warning: 'Warning', critical: 'Critical' },
    nextAction: 'Next action', noAction: 'No deadline is running.',
    inquiries: 'New inquiries', noInquiries: 'No inquiry waits to be taken up.', ackBy: 'Acknowledge by',
  },
  clockStep: {
    title: 'Checks set aside after a clock step',
    seen: (at: string, s: string) => `Seen at ${at} (clock moved ${s})`,
    back: 'back', ahead: 'ahead',
    setAside: (n: number) => `${n} checks stamped in the future were left out of the figures; that time counts as unmonitored.`,
    none: 'No check was set aside. The time skipped counts as unmonitored.',
    monitor: 'Monitor', location: 'Location', local: 'This server', count: 'Checks', span: 'Stamped times', down: 'Down',
    review: 'Mark as reviewed', reviewed: 'The clock step is marked reviewed.',
  },
  health: {
    stopped: 'Monitoring has stopped', warning: 'Monitoring notice', technical: 'Technical detail', other: 'Something is wrong with monitoring; see the technical detail.',
    seconds: (cause, s) => {
      const n = Math.abs(s);
      switch (cause) {
        case 'probe_stale': case 'lease_held_elsewhere': case 'lease_holder_gone': return `Last heard from ${n} s ago.`;
        case 'agent_silent': return `Not heard from for ${n} s.`;
        case 'agent_clock_skew': return `Clock off by ${n} s (${s > 0 ? 'ahead' : 'behind'}).`;
        case 'clock_step': return `Clock stepped ${n} s (${s < 0 ? 'back' : 'ahead'}).`;
        default: return null;
      }
    },
    causes: {
      disk_full: 'The database disk is full. The worker resumes by itself once there is space.',
      read_only: 'The database cannot be written (read-only).',
      file_gone: 'The database file was deleted. What is recorded now is lost at the next stop: restore it from a backup.',
      file_replaced: 'The database file was replaced by another file. Restart the site and the worker.',
      io_error: 'Reading or writing the database fails.',
      database: 'The database does not answer.',
      probe_not_running: 'The worker is not running.',
      probe_stale: 'The worker stopped answering.',
      lease_held_elsewhere: 'A worker on another host holds the monitoring lease and stopped answering.',
      lease_holder_gone: 'The worker that held the monitoring lease has exited; the next worker takes over when it starts.',
      clock_step: 'The worker server clock stepped. Checks are stamped with the system clock; checks stamped in the future are left out of the figures and that time counts as unmonitored. Review the list below, and check NTP.',
      agent_clock_skew: 'An agent clock is far off the site clock, so its results are refused. Check NTP on the agent.',
      agent_silent: 'A probe agent has stopped reporting. Until it does again, its location does not vote.',
      mail_unconfirmed: 'The mail server took some messages without confirming them. They may have arrived, so they are not sent again: check with their recipients.',
      delivery_failed: 'Some messages to notification destinations (webhook, Slack, Teams) were given up. See the destinations page for the reason.',
    },
  },
  incident: {
    list: 'Incidents', new: 'New incident', drafts: 'Drafts the probe opened (to confirm)', confirm: 'Confirm as incident', merge: 'Merge into an incident', mergeInto: 'Merge into',
    dismiss: 'Not an incident (dismiss)', dismissQuestion: 'Dismiss this incident candidate?', dismissDetail: (reason) => `Once dismissed, this candidate is no longer treated as an incident. Reason: ${reason}`, reason: 'Reason', open: 'Open', resolved: 'Resolved', draft: 'Draft', key: 'No.',
    kind: 'Kind', kinds: { failure: 'Failure', security: 'Security incident (unauthorized access…)' },
    severity: 'Severity', severities: termsOf('incidentSeverity', 'en'),
    titleJa: 'Title (Japanese)', titleEn: 'Title (English)', services: 'Affected services', impact: 'Impact',
    impacts: { '': 'Not affected', degraded_performance: 'Slow', partial_outage: 'Partial outage', major_outage: 'Outage' },
    cause: 'Cause', fix: 'Fix', prevention: 'Measure against recurrence', causeKnown: 'Cause', causeKnownValues: { '': 'Not judged', known: 'Known', unknown: 'Unknown' }, causeCategory: 'Cause category', causeCategoryUnset: 'Not classified',
    forceMajeure: 'Force majeure (disaster…)', forceMajeureReason: 'Reason for force majeure', startedAt: 'Started',
    awareAt: 'Aware (when the maintainer became aware)', awareAtNote: 'Defaults to the moment this is recorded; set it earlier if you became aware earlier.',
    times: "The contract's times", timeNames: {
      startedAt: 'Started', detectedAt: 'Detected', awareAt: 'Aware', clientNotifiedAt: 'Client notified', etaNotifiedAt: 'Expected recovery notified',
      recoveredAt: 'Recovered', recoveryNotifiedAt: 'Recovery notified', responseStartedAt: 'Response started (security)', writtenReportAt: 'Written report submitted',
    },
    timers: 'SLA timers', timer: 'Timer', deadline: 'Deadline', left: 'Time left', state: 'Result',
    states: termsOf('judgement', 'en'),
    overdue: 'overdue', timeline: 'Timeline', addUpdate: 'Add an update', status: 'Status',
    statuses: termsOf('incidentState', 'en'),
    bodyJa: 'Text (Japanese)', bodyEn: 'Text (English)', published: 'Publish on the public page', internal: 'Internal', publishedMark: 'Published',
    resolve: 'Record recovery', resolveBody: 'Recovery notice (Japanese)', resolveBodyEn: 'Recovery notice (English)', firstUpdate: 'First update (optional)',
    falsePositive: 'Mark as false positive', notifiedNote: 'Published updates are sent to subscribers.', edit: 'Edit', noUpdates: 'No update yet.',
    dismissed: 'Dismissed', mergedInto: 'Merged into',
  },
  stop: {
    list: 'Planned stops', new: 'New planned stop', category: 'Category',
    categories: { inspection: 'Regular: periodic inspection', preventive: 'Regular: preventive maintenance', security: 'Ad hoc: security maintenance', functional: 'Ad hoc: functional change', external: 'Ad hoc: external cause' },
    titleJa: 'Title (Japanese)', titleEn: 'Title (English)', bodyJa: 'Description (Japanese)', bodyEn: 'Description (English)', services: 'Services',
    scheduledStart: 'Scheduled start', scheduledEnd: 'Scheduled end', announcedAt: 'Notice sent to the client', clientApprovedAt: 'Approved by the client', holdOpen: 'Finish by hand (do not finish automatically at the scheduled end)',
    status: 'Status', statuses: termsOf('maintenanceState', 'en'),
    actualStart: 'Actual start', actualEnd: 'Actual end', start: 'Start', finish: 'Finish', cancel: 'Cancel stop',
    restore: 'Restore (undo cancel)', cancelQuestion: 'Cancel this planned stop?', cancelDetail: 'A cancelled stop is no longer excluded from availability, and the public page shows it as cancelled. You can restore it later.',
    restoreQuestion: 'Restore this cancelled planned stop?', restoreDetail: 'The stop returns to the state it had before (scheduled or in progress).',
    warningsTitle: "This planned stop breaks the contract's rules.",
    warnings: {
      notice: 'It is announced less than 14 days before it starts. Unless the client approves it, its time is not excluded from availability.',
      window: 'Its scheduled window runs outside weekdays 18:00 to 08:00. It will be reported as a missed SLA row.',
      frequency: 'Another regular stop is already saved in the same month (at most one a month). It will be reported as a missed SLA row.',
    },
    confirmSave: 'Save anyway, knowing the rules are broken', recordedWarnings: 'Rules broken when saved', confirmedAt: 'Confirmed', noticeDays: 'Days of notice',
    auto: 'It starts and finishes on its own at the scheduled times.',
    notAnnounced: 'Not announced', notAnnouncedNote: 'The notice to the client has not been sent. The days of notice count from when it is sent.',
    announce: 'Announce on saving (mail the notice to the client and a notice to the subscribers)',
    announceNow: 'Announce now (send the mail)', announced: 'The announcement was mailed.',
    noContacts: 'No client contact is configured, so no notice goes to the client (only subscribers are mailed).',
    mailNote: 'An announced stop is mailed to the client and the subscribers again when its time changes, when it is cancelled, starts and ends.',
    currentWarnings: 'Rules broken now', ruleNames: { notice: 'Notice', window: 'Window', frequency: 'Monthly count' } as Record<string, string>, warningsColumn: 'Rules broken',
  },
  monitor: {
    title: 'Services and monitors', newService: 'Add a service', newMonitor: 'Add a monitor', service: 'Service', slug: 'Identifier (lower-case letters, digits, hyphens)',
    nameJa: 'Name (Japanese)', nameEn: 'Name (English)', target: 'SLA target (%)', sortOrder: 'Order', type: 'Check type', monitorTarget: 'Target (URL, host…)',
    interval: 'Interval (s)', timeout: 'Timeout (s)', confirm: 'Failed checks in a row to call it down', counts: 'Counts toward availability', options: 'Options of the check type',
    optionsNote: 'Empty fields use the default. Only the headers to send are JSON (for example {"Authorization": "Bearer …"}).',
    secretNote: 'Passwords, tokens and header values are never shown once saved (********). Send the mask back to keep the saved value; type a new value to replace it.', secretAgain: 'No saved value to keep here: type the secret.', secretsCleared: 'The target moved to another address, so its saved passwords, tokens and header values were cleared (they are never sent to the new address). Type them again if needed.', pause: 'Pause', resume: 'Resume', paused: 'Paused', active: 'Active',
    pauseAll: 'Pause every monitor', resumeAll: 'Resume every monitor', testNow: 'Test now', testResult: 'Test result', latency: 'Response time', reason: 'Detail',
    outages: 'Recent outages (from the probe)', outageStart: 'Start', outageEnd: 'End', markFalse: 'Mark false positive', falsePositive: 'False positive', noOutages: 'No recent outage.',
    monitors: 'Monitors', noMonitors: 'No monitor yet.', defaultValue: 'default',
    serviceLifeNote: 'A change of the SLA target or the order leaves the figures and reports of months that have ended as they were (the month in progress is judged by the new value). A new name is not kept with its time: it also shows in the reports and API of months that have ended (no figure changes).',
    settingsLifeNote: 'A change of the service, check type, target, interval, timeout, failed checks in a row or whether it counts toward availability applies from the moment it is saved. The time before it (months that have ended included) stays computed, and reported, with the settings in force then. The options of the check type (when a response is slow, say) shape each check\'s result when it is made, so a change leaves past results as they were.',
    remove: 'Remove this monitor', removed: 'Removed', removeNote: 'Its records stay: the figures of the time it watched do not change.',
  },
  alertSources: {
    title: 'Alert sources', nav: 'Alert sources', name: 'Name (lower-case letters, digits, hyphens)', kind: 'Kind', kinds: { alertmanager: 'Prometheus Alertmanager', zabbix: 'Zabbix' } as Record<string, string>,
    silence: 'Silent after (minutes)', silenceNote: 'While nothing arrives from the source for this long (not even its Watchdog alert), its monitors are unmonitored, never counted as up.',
    add: 'Add source', revoke: 'Revoke', revoked: 'Revoked', active: 'Active', lastHeard: 'Last heard from', never: 'Never',
    tokenOnce: 'This token is shown only now. Keep it in the monitoring tool\'s settings; the site stores only its hash.',
    url: 'Address to send to', confirmRevoke: 'Once revoked, everything this source sends is refused.', none: 'No source yet.',
  },
  destinations: {
    title: 'Notification destinations (webhook, Slack, Teams)', nav: 'Destinations', name: 'Name', kind: 'Kind',
    kinds: { webhook: 'Generic webhook (signed JSON)', slack: 'Slack (incoming webhook)', teams: 'Microsoft Teams (Workflows)' },
    url: 'URL', urlKeep: 'Leave blank to keep the saved URL.', urlNote: 'Slack and Teams URLs carry their credential: once saved they are not shown.',
    lang: 'Language', topics: 'Sends', alarms: 'Outages detected and recovered (operators; link to the admin pages)', incidents: 'Published incident updates (the public page\'s words only)', maintenances: 'Planned-stop notices (announced, changed, cancelled, started, ended)',
    topicNames: { alarms: 'Alarms', incidents: 'Incident updates', maintenances: 'Planned stops' },
    services: 'Services', allServices: 'All services', add: 'Add destination', save: 'Save changes', edit: 'Edit', pause: 'Pause', resume: 'Resume', paused: 'Paused', active: 'Active',
    delete: 'Delete', confirmDelete: 'Deleting withdraws the messages not sent yet; the record of those sent stays.', test: 'Send a test message', testQueued: 'A test message is queued; it arrives in a few seconds.',
    secretOnce: 'This signing secret is shown only now. Keep it in the receiver\'s settings; it is never shown again.', secret: 'Signing secret',
    none: 'No destination yet.', pending: 'Queued', failed: 'Failed', lastSent: 'Last sent', lastFailure: 'Reason of the last failure', never: 'Never', deleted: 'Deleted.',
    errorText: {
      refused: (status: string) => `The receiver answered HTTP ${status} (it refuses the message, so it was given up)`,
      retryable: (status: string) => `The receiver answered HTTP ${status}`,
      timeout: (seconds: string) => `No answer within ${seconds} s`,
      connection: () => 'Could not connect', withdrawn: () => 'Withdrawn', other: () => 'Could not be sent',
    },
  },
  metricsToken: {
    title: 'Access token of /metrics', none: 'No token is issued.', active: 'A token is issued (only its hash is stored).', since: 'Issued',
    fromFile: 'A token in the settings file (metrics.token_sha256) keeps working too.', issue: 'Issue a token', reissue: 'Issue a new token (the old one stops working)', revoke: 'Revoke the token',
    once: 'This token is shown only now. Put it in Prometheus\'s settings (authorization credentials); the site stores only its hash.', revoked: 'The token was revoked.',
  },
  agents: {
    title: 'Probe locations and agents', nav: 'Locations', location: 'Location', name: 'Name (lower-case letters, digits, hyphens)', labelJa: 'Label (Japanese)', labelEn: 'Label (English)',
    control: 'Control target (URL, optional)', controlNote: 'A target that proves this location\'s own network works. While it fails, the location\'s results do not vote.',
    add: 'Add agent', revoke: 'Revoke', revoked: 'Revoked', active: 'Active', lastContact: 'Last contact', lag: 'Lag', clockOffset: 'Clock offset',
    spool: 'Unsent', deadLetter: 'Refused, set aside', health: 'Agent health', never: 'Never', builtIn: 'The probe on this server',
    tokenOnce: 'This token is shown only now. Keep it on the agent\'s host; the site stores only its hash.',
    run: 'On the agent\'s host, run:', confirmRevoke: 'Once revoked, everything this agent sends is refused.',
    reissue: 'Issue a new token', confirmReissue: 'Issues a new token; the old one is refused from now on. Results so far stay.',
    locations: 'Locations and quorum', quorum: 'Quorum (blank: a majority of the locations reporting at the time)', quorumNote: 'The monitor is down only when at least this many locations confirm a failure at the same time. A change applies from now on; past months keep their figures.',
    saveLocations: 'Save locations', byLocation: 'Latest result by location (admins only)', lastCheck: 'Latest check', noChecks: 'No results',
  },
  sla: { title: 'SLA values entered by hand', month: 'Month', row: 'Row', value: 'Value', note: 'Note', save: 'Save', missing: 'Entering SLA values by hand is not available in this version.', noRows: 'No row is configured for entry by hand.' },
  users: {
    title: 'Users', add: 'Add a user', email: 'E-mail', role: 'Role', password: 'First password (12 characters or more)', disabled: 'Disabled',
    enabled: 'Active', disable: 'Disable', enable: 'Enable', resetPassword: 'Set a new password', newPassword: 'New password', totp: 'Two-step',
    lastSignIn: 'Last sign-in', signOutEverywhere: 'Sign out everywhere', created: 'Created',
  },
  support: {
    title: 'Support items', new: 'Enter an item (phone, mail, in person)', open: 'Open only', all: 'All', none: 'No item.',
    number: 'No.', receivedAt: 'Received', channel: 'Channel', category: 'Kind', service: 'Service', status: 'Status', requester: 'Requester',
    email: 'E-mail', name: 'Name', body: 'Text', acknowledged: 'Acknowledged', closed: 'Closed', minutes: 'Time (min)', raisedBy: 'Raised by',
    raisedByValues: { learner: 'User (form)', client: 'Client', admin: 'Entered by an admin' },
    notService: 'Not given', month: 'This month', opened: 'Received', closedCount: 'Closed', hours: 'Time logged', standard: (h) => `standard ${h} h`,
    approach: 'Approach agreed with the client', agreedAt: 'Agreed', saveApproach: 'Record the approach',
    changeStatus: 'Change the status', to: 'New status', statusNote: 'Message to the requester (optional)', reportedVia: 'How the requester was told (no e-mail address)',
    reportedViaValues: { '': '—', phone: 'Told by phone', in_person: 'Told in person', mail: 'Mail', none: 'Requester not told' },
    mailsRequester: 'The requester is told of a new status by mail. Done or declined sends the satisfaction survey link. Not handled (spam or out of scope) sends nothing (mail still queued is withdrawn) and leaves the item out of every figure and SLA row.',
    noEmail: 'There is no e-mail address: tell the requester by phone or in person and record how.',
    viaForm: 'through the web form', timeline: 'Timeline', kinds: { received: 'Received', status: 'Status', approach: 'Approach agreed', note: 'Note', survey_sent: 'Survey sent' },
    mailSent: (at) => `mail sent ${at}`, mailPending: 'mail queued', mailFailed: 'mail failed',
    logMinutes: 'Log time', workedAt: 'Worked at', minutesNote: 'What was done (optional)', byAdmin: 'Per admin', total: 'Total',
    addNote: 'Add a note (internal)', note: 'Note', surveys: 'Satisfaction survey', surveyAnswered: 'answered', surveyOpen: 'not answered', surveyUntil: (at) => `valid until ${at}`,
    campaign: 'Start the yearly satisfaction survey', campaignNote: 'Sends the survey link once to every requester whose item closed in the last year.',
    campaignQuestion: (n: number) => `Mail the survey to ${n} requester(s)?`, campaignConfirm: (n: number) => `Send to ${n}`,
    campaignSent: (n) => `${n} survey link(s) sent.`, ackAtReception: 'at reception (phone, in person)',
  },
  subscribers: {
    title: 'Subscribers', counts: 'Subscribers per service', service: 'Service', all: 'All services', confirmed: 'Confirmed', unconfirmed: 'Not confirmed',
    list: 'Subscribers (addresses partly hidden)', email: 'E-mail', lang: 'Language', what: 'Notified of', since: 'Since', none: 'No subscriber.',
    incidents: 'incidents', maintenances: 'planned stops', exportTitle: 'Export the subscriber list',
    exportNote: 'Subscribers’ addresses are personal data. An export is recorded in the audit log (who, when, why, how many rows).',
    confirm: 'I confirm the export of a list that holds personal data', reason: 'Reason', exportButton: 'Export CSV',
    needConfirm: 'Tick the box to export.', needReason: 'Give the reason, at least 10 characters.', tooLong: 'Keep the reason under 500 characters.',
    forbidden: 'Only admins see subscribers.', shown: (n, total) => `${n} of ${total} shown`,
  },
  audit: { title: 'Audit log', at: 'When', actor: 'Who', action: 'What', entity: 'Record', before: 'Before', after: 'After', older: 'Older entries', note: 'The audit log can only grow: no entry can be changed or removed.' },
};

export const adminWords: Record<AdminLang, AdminWords> = { ja, en };

/**
 * The monthly report's words: the pages under /reports/ and the PDF (src/lib/report/pdf.ts).
 * The report is the contract's document and is written in Japanese only.
 */
export const reportWords = {
  monthLabel: (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5))}月`,
  forbiddenPage: 'このページを閲覧する権限がありません。',
  forbiddenFile: 'このファイルを閲覧する権限がありません。',
  notFound: '見つかりません。',
  nav: { label: 'メニュー', reports: 'SLA月次報告', incidentReports: '障害報告書', yearReports: '年間報告', support: '問い合わせ一覧', admin: '管理画面', incidents: '障害', maintenance: '計画停止', publicPage: '公開ページ', signOut: 'ログアウト' },
  roles: { admin: '保守管理者', client: '委託者' },
  index: {
    title: 'SLA月次報告',
    settingNames: { client: '委託者名（report.client）', contractor: '保守管理者名（report.contractor）' },
    unset: (names: string) => `報告書の表紙に記載する${names}が未設定のため、仮の表記のまま発行されます。設定ファイルの report 節で設定してください。`,
    latest: (label: string, running: boolean) => `${label}の報告${running ? '（集計中）' : ''}`,
    pdf: (version: number, size: string) => `報告書 PDF（第${version}版、${size}）`,
    csv: '障害・停止一覧 CSV',
    notIssuedYet: 'この月の報告書はまだ発行されていません。数値はオンラインで確認できます。',
    allFigures: (label: string) => `${label}の数値をすべて見る`,
    rows: (label: string, missed: number, total: number) => `${label}のSLA項目（${total}項目${missed ? `、うち未達成 ${missed}項目` : ''}）`,
    rowsNote: '未達成の項目を先頭に表示しています。月の途中は、残りの期間で達成できる項目を「見込み」と表示します。',
    supportLink: '問い合わせの対応状況を見る',
    byMonth: '月別の一覧',
    intro: '各月の稼働率とSLA項目の達成状況をオンラインで確認でき、発行済みの報告書（PDF）と障害・停止一覧（CSV）をダウンロードできます。報告書は発行後に変更されず、再発行すると新しい版になります。月の途中に発行する報告書は速報（締切時点までの集計）で、確定版は月末後に発行します。',
    noRecords: 'まだ監視の記録がありません。',
    month: '対象月', online: 'オンライン', issued: '発行済みの版', view: '数値を見る', notIssued: '未発行',
    issuedAt: (at: string, trigger: 'schedule' | 'manual') => `（${at} 発行、${trigger === 'schedule' ? '定期' : '手動'}）`,
  },
  version: (n: number) => `第${n}版`,
  provisionalMark: (at: string) => `【速報・${at} 時点】`,
  finalMark: '【確定】',
  month: {
    title: (label: string) => `SLA月次報告 ${label}`,
    period: (start: string, end: string, zone: string) => `対象期間 ${start} 〜 ${end}（${zone}）。`,
    computedAt: (at: string) => `算定時刻 ${at}。`,
    provisional: (at: string) => `速報: ${at} 時点までの集計です（それより後の分は含みません）。確定値は月末後に発行する報告書でお示しします。`,
    reports: '報告書', noReports: 'この月の報告書はまだ発行されていません。',
    issueProvisional: '速報を発行（現在時点まで）', finalFrom: (at: string) => `確定版は ${at} 以降に発行できます。`,
    issueFinal: (n: number) => `報告書を発行（第${n}版）`,
  },
  /** Section headings, the same on the page and in the PDF. */
  sections: {
    summary: '概要', availability: '稼働率の算定', calendar: '日別稼働カレンダー', incidents: '障害一覧', stops: '計画停止実績',
    rows: 'SLA項目達成表', means: 'MTTD / MTTA / MTTR / MTBF', backups: 'バックアップ', certificates: '証明書の有効期限',
    support: '問合せ・作業実績', survey: '満足度調査',
  },
  col: {
    no: 'No', service: 'サービス', monthPct: '稼働率(月)', yearPct: '稼働率(年度累計)', target: '目標', achieved: '達成可否', judgement: '判定',
    allowedLeft: '残りの許容停止時間', periodTime: '暦時間', plannedExcluded: '計画停止除外', forceMajeureExcluded: '不可抗力除外',
    plannedService: '計画サービス時間', downtime: '停止時間', unmonitored: '監視欠測時間', availability: '稼働率',
    start: '開始', end: '終了', source: '検知元', date: '日付', subject: '件名', started: '発生', aware: '認知', recovered: '復旧',
    severity: '重大度', timers: 'SLA時間', exclusion: '除外区分', kind: '区分', announced: '通知日', scheduled: '予定', actual: '実施',
    noticeDays: '事前通知日数', overrun: '超過', inWindow: '時間帯内', excluded: '除外', item: '項目', standard: '基準値', measured: '実績',
    note: '備考', monitor: '監視項目', content: '内容', cleared: '解除',
  },
  monthShort: '月', yearShort: '年度',
  formula: '稼働率 ＝（暦時間 − 除外時間 − 停止時間）÷（暦時間 − 除外時間）。小数第3位未満は切り捨てて表示し、目標の達成可否は切り捨て前の値で判定しています。',
  outagesOf: (service: string) => `停止（${service}）`,
  outageSource: { probe: '監視', incident: '障害記録', 'probe+incident': '監視・障害記録' } as Record<string, string>,
  calendarOf: (service: string) => `${service}（停止分・除外分・監視率）`,
  noIncidents: '当月の障害はありません。', notRecovered: '未復旧', forceMajeure: '不可抗力',
  severity: termsOf('incidentSeverity', 'ja') as Record<string, string>,
  noStops: '当月の計画停止はありません。', regular: '定期', irregular: '臨時', notAnnounced: '未告知',
  /** A planned stop's kind as the contract names it (000 §9(9)). */
  stopCategory: {
    inspection: '定期（定期点検）', preventive: '定期（予防保守）', security: '臨時（セキュリティ保守）', functional: '臨時（機能保守）', external: '臨時（システム外要因）',
  } as Record<string, string>,
  /** The configured zone as a reader names it. */
  zoneName: (zone: string) => (zone === 'Asia/Tokyo' ? '日本時間' : zone), days: (n: number) => `${n}日`, approvedByClient: '（委託者承認）',
  means: {
    mttd: 'MTTD（発生→検知）', mtta: 'MTTA（検知→認知）', mttr: 'MTTR（発生→復旧）', mtbf: 'MTBF（稼働時間÷障害件数）',
  },
  notMeasured: '未計測',
  backups: (ok: number, days: number, generations: number | string) => `成功 ${ok}/${days} 日、保持世代数 ${generations}。`,
  noCertWarnings: 'この月の証明書の警告はありません。',
  certSeverity: { critical: '重大', warning: '警告' } as Record<string, string>,
  notCleared: '未解除',
  supportNote: (ackH: number, processingH: number) =>
    `受領確認: 電話・対面は受付時、メール・フォームは受付から受領確認メールの送信まで（${ackH}時間以内）。申請処理: 要望の受付から完了・見送りの連絡まで（${processingH}時間以内）。` +
    '作業時間は保守管理者が項目ごとに記録した時間の合計です。満足度は当月に回収した回答の平均です（満足100・ほぼ満足80・普通60・やや不満40・不満0）。',
  mySupport: {
    title: '問い合わせ一覧',
    intro: 'お送りいただいた問い合わせ・不具合の報告・要望と、その対応状況です。新しい問い合わせは',
    form: '問い合わせフォーム', introEnd: 'からお送りください。',
    adminAll: 'すべての項目は', adminPages: '管理画面', adminAllEnd: 'で扱います。',
    none: 'まだ問い合わせはありません。',
    cols: { id: '受付番号', received: '受付', category: '種別', service: 'サービス', status: '状態', body: '内容', timeline: '経過' },
    figures: (label: string) => `${label}の集計`,
  },
} as const;

/** The words the dashboard's script draws with (src/scripts/admin.ts), sent in the page as JSON. */
export interface DashboardLiveWords {
  noAlarms: string; acknowledge: string; acknowledged: string; recovered: string; noIncidents: string; nearest: string; probeOutput: string;
  overdue: string; draft: string; live: string; stale: string; paused: string;
  status: Record<string, string>; severity: Record<string, string>; timers: Record<string, string>;
  /** What each timer waits for (the next action's words), and the words when nothing is due. */
  waitsFor: Record<string, string>; noAction: string;
  /** The zone the dashboard's times are shown in. */
  zone: string;
}

export function dashboardLiveWords(lang: AdminLang, zone: string): DashboardLiveWords {
  const t = adminWords[lang];
  return {
    noAlarms: t.dashboard.noAlarms, probeOutput: t.dashboard.probeOutput, acknowledge: t.dashboard.acknowledge, acknowledged: t.dashboard.acknowledged, recovered: t.dashboard.recovered,
    noIncidents: t.dashboard.noIncidents, nearest: t.dashboard.nearest, overdue: t.incident.overdue, draft: t.incident.draft, live: t.dashboard.live,
    stale: t.dashboard.stale, paused: t.dashboard.paused, status: t.dashboard.status, severity: t.dashboard.severity,
    timers: Object.fromEntries(Object.entries(timerNames).map(([k, v]) => [k, v[lang]])),
    waitsFor: t.notice.waitsFor, noAction: t.dashboard.noAction,
    zone,
  };
}

type Issue = { code?: string; path: ReadonlyArray<PropertyKey> | string; message: string; minimum?: unknown; maximum?: unknown; origin?: string; format?: string; input?: unknown };

/** One localized message for a validation issue (zod's or a verb's keyed message). */
export function issueMessage(issue: Issue, lang: AdminLang): string {
  const e = adminWords[lang].errors;
  const keyed = (e as Record<string, unknown>)[issue.message];
  if (typeof keyed === 'string') return keyed;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === null || issue.input === '' ? e.required : e.invalid;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? e.required : e.tooShort(Number(issue.minimum));
      if (issue.origin === 'array' || issue.origin === 'set') return e.chooseOne;
      return e.min(Number(issue.minimum));
    case 'too_big':
      if (issue.origin === 'string') return e.tooLong(Number(issue.maximum));
      return e.max(Number(issue.maximum));
    case 'invalid_format':
      if (issue.format === 'email') return e.email;
      if (issue.format === 'regex' && issue.message === 'slug') return e.slug;
      return e.invalid;
    case 'invalid_value':
      return e.choose;
    default:
      // A verb's own words (Japanese) are shown; an English sentence or a key is not.
      return /[^\x00-\x7f]/.test(issue.message) ? issue.message : e.invalid;
  }
}

const pathKey = (p: Issue['path']) => (typeof p === 'string' ? p : p.map(String).join('.'));

/** Field name → message, the first issue of each field. Field names are the form's input names. */
export function zodErrors(error: z.ZodError, lang: AdminLang): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const k = pathKey(issue.path as PropertyKey[]) || '_';
    out[k] ??= issueMessage(issue as unknown as Issue, lang);
  }
  return out;
}

/** A form's input name for an issue's path: `$.email` and `email` are both `email`. */
export const fieldName = (path: string) => path.replace(/^\$\.?/, '') || '_';

/** Field messages for an error a verb threw, keyed by input name; unknown errors are rethrown. */
export function appErrors(err: unknown, lang: AdminLang): Record<string, string> {
  if (!(err instanceof AppError) || !['VALIDATION', 'CONFLICT', 'NOT_FOUND'].includes(err.code)) throw err;
  const out: Record<string, string> = {};
  for (const issue of err.issues) out[fieldName(issue.path)] ??= issueMessage(issue, lang);
  if (Object.keys(out).length === 0) out._ = err.code === 'NOT_FOUND' ? adminWords[lang].common.notFound : adminWords[lang].common.conflict;
  return out;
}

/** `2026-10-01 09:00` in the zone, or '' for null. */
export function formatAt(at: number | null | undefined, zone: string): string {
  if (at === null || at === undefined) return '';
  return DateTime.fromMillis(at, { zone }).toFormat('yyyy-LL-dd HH:mm');
}

/** The value of a `datetime-local` input for an instant, in the zone. */
export function toLocalInput(at: number | null | undefined, zone: string): string {
  if (at === null || at === undefined) return '';
  return DateTime.fromMillis(at, { zone }).toFormat("yyyy-LL-dd'T'HH:mm");
}

/** Reads a `datetime-local` value (or `YYYY-MM-DD HH:mm`) as a time in the zone; null when empty, NaN when unreadable. */
export function fromLocalInput(value: string | null | undefined, zone: string): number | null {
  const v = (value ?? '').trim();
  if (v === '') return null;
  const dt = DateTime.fromFormat(v.replace(' ', 'T'), v.length > 16 ? "yyyy-LL-dd'T'HH:mm:ss" : "yyyy-LL-dd'T'HH:mm", { zone });
  return dt.isValid ? dt.toMillis() : Number.NaN;
}

/** A duration as `3時間12分` / `3 h 12 min`. */
export function formatDuration(ms: number, lang: AdminLang): string {
  return durationWords(Math.floor(Math.abs(ms) / 60_000), lang, { units: ['d', 'h', 'min'], zeros: 'smallest' });
}
