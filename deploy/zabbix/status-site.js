// Zabbix webhook media type script: sends a problem and its recovery to the status site
// (POST /api/alerts/zabbix), which maps it to an external monitor by host and tags.
//
// Media type parameters (Administration > Media types > Create, type Webhook):
//   url                 https://status.example.jp/api/alerts/zabbix
//   token               the token shown once when the alert source (kind Zabbix) was made
//   event_id            {EVENT.ID}
//   event_value         {EVENT.VALUE}
//   trigger_name        {TRIGGER.NAME}
//   severity            {EVENT.SEVERITY}
//   host                {HOST.HOST}
//   recovery_event_id   {EVENT.RECOVERY.ID}
//   event_tags          {EVENT.TAGSJSON}
//   event_ts            {EVENT.TIMESTAMP} (for a recovery, {EVENT.RECOVERY.TIMESTAMP} is better)
// and send both problem and recovery operations to the media.
var params = JSON.parse(value);

function required(name) {
  var v = params[name];
  if (typeof v !== 'string' || v === '' || /^\{[A-Z.]+\}$/.test(v)) throw 'parameter ' + name + ' is missing';
  return v;
}

var tags = [];
if (params.event_tags && !/^\{[A-Z.]+\}$/.test(params.event_tags)) {
  var parsed = JSON.parse(params.event_tags);
  for (var i = 0; i < parsed.length; i++) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(parsed[i].tag)) tags.push({ tag: parsed[i].tag, value: String(parsed[i].value) });
  }
}

var body = {
  event_id: required('event_id'),
  trigger_name: required('trigger_name'),
  severity: required('severity'),
  host: required('host'),
  value: required('event_value'),
  tags: tags
};
var recovery = params.recovery_event_id;
if (recovery && !/^\{[A-Z.]+\}$/.test(recovery)) body.recovery_event_id = recovery;
var ts = parseInt(params.event_ts, 10);
if (ts > 0) body.event_ts = ts;

var request = new HttpRequest();
request.addHeader('Content-Type: application/json');
request.addHeader('Authorization: Bearer ' + required('token'));
var answer = request.post(required('url'), JSON.stringify(body));
var status = request.getStatus();
if (status !== 200) {
  Zabbix.log(3, '[status site] ' + status + ' ' + answer);
  throw 'the status site answered ' + status + ': ' + answer;
}
return 'OK';
