/**
 * Label matchers as Prometheus writes them: `service="elearning", severity="critical"`
 * (`=` equal, `!=` not equal). An external monitor's target is its list of matchers; an
 * alert belongs to the monitor when its labels satisfy every one.
 */
export interface Matcher { name: string; op: '=' | '!='; value: string }

const ONE = /^\s*([A-Za-z_][A-Za-z0-9_.:-]*)\s*(!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/;

/** The matchers of `text`, or a reason it is not a list of them. */
export function parseMatchers(text: string): Matcher[] | string {
  const out: Matcher[] = [];
  let rest = text.trim();
  if (rest === '') return 'must name at least one label, as service="elearning"';
  while (rest !== '') {
    const m = ONE.exec(rest);
    if (!m) return `cannot read "${rest.slice(0, 40)}": write label="value" pairs separated by commas, as service="elearning", severity="critical"`;
    out.push({ name: m[1]!, op: m[2] as Matcher['op'], value: m[3]!.replace(/\\(.)/g, '$1') });
    rest = rest.slice(m[0].length).trim();
  }
  return out;
}

export function matches(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => ((labels[m.name] ?? '') === m.value) === (m.op === '='));
}
