import { describe, it, expect } from 'vitest';
import { words, glossary, judgeText } from '../../src/lib/i18n';
import { adminWords, reportWords } from '../../src/lib/i18n-admin';

/** One vocabulary: the public page, the admin pages and the report name each state the same way. */
describe('glossary', () => {
  it('names the resolved state, the planned-stop states and the judgements once', () => {
    for (const lang of ['ja', 'en'] as const) {
      for (const [state, term] of Object.entries(glossary.incidentState)) {
        expect(words[lang].incidentStatus[state]).toBe(term[lang]);
        expect(adminWords[lang].incident.statuses[state]).toBe(term[lang]);
      }
      for (const [state, term] of Object.entries(glossary.maintenanceState)) {
        expect(words[lang].maintenanceStatus[state]).toBe(term[lang]);
        expect(adminWords[lang].stop.statuses[state]).toBe(term[lang]);
      }
      for (const [state, term] of Object.entries(glossary.judgement)) expect(adminWords[lang].incident.states[state]).toBe(term[lang]);
      for (const [level, term] of Object.entries(glossary.incidentSeverity)) expect(adminWords[lang].incident.severities[level]).toBe(term[lang]);
    }
    // The report (page and PDF) names a severity as the incident page does.
    for (const [level, term] of Object.entries(glossary.incidentSeverity)) expect(reportWords.severity[level]).toBe(term.ja);
    expect(reportWords.severity.critical).toBe('重大（緊急）');
    expect(words.ja.incidentStatus.resolved).toBe('復旧済み');
    expect(judgeText(false)).toBe('未達成');
    expect(judgeText(true)).toBe('達成');
    expect(judgeText(null)).toBe('–');
  });
});
