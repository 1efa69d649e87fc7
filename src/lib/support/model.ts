import { supportChannels, supportCategories, supportStatuses } from '../../../db/schema/support';

/**
 * The support desk's vocabulary: channels, categories and the item's life
 * 受付 → 対応中 → 協議中 → 完了 / 見送り. Names for people live in the i18n files.
 */
export { supportChannels, supportCategories, supportStatuses };
export type SupportChannel = (typeof supportChannels)[number];
export type SupportCategory = (typeof supportCategories)[number];
export type SupportStatus = (typeof supportStatuses)[number];

/** Closed items: 完了 (done), 見送り (declined), and 対象外 (dismissed: spam or out of scope). */
export const closedStatuses: readonly SupportStatus[] = ['done', 'declined', 'dismissed'];
export const isClosed = (s: SupportStatus) => closedStatuses.includes(s);

/**
 * Spam or out of scope: a requester the desk could not serve. Closing an item so mails
 * nobody (any mail of it still queued is withdrawn), surveys nobody, and takes the item out
 * of every figure and SLA row; the closing is audited and can be undone (reopened).
 */
export const DISMISSED: SupportStatus = 'dismissed';

/** Where an item may go from each status. A closed item can be reopened (対応中) if the requester comes back. */
export const transitions: Record<SupportStatus, readonly SupportStatus[]> = {
  received: ['in_progress', 'consulting', 'done', 'declined', 'dismissed'],
  in_progress: ['consulting', 'done', 'declined', 'dismissed'],
  consulting: ['in_progress', 'done', 'declined', 'dismissed'],
  done: ['in_progress', 'dismissed'],
  declined: ['in_progress', 'dismissed'],
  dismissed: ['in_progress'],
};

/** Phone and in person are acknowledged at reception; mail and form by the acknowledgement mail. */
export const acknowledgedAtReception = (c: SupportChannel) => c === 'phone' || c === 'in_person';

/** The survey's answers and their scores (004 row 4). */
export const surveyChoices = ['satisfied', 'mostly_satisfied', 'neutral', 'somewhat_dissatisfied', 'dissatisfied'] as const;
export type SurveyChoice = (typeof surveyChoices)[number];
export const surveyScore: Record<SurveyChoice, number> = {
  satisfied: 100, mostly_satisfied: 80, neutral: 60, somewhat_dissatisfied: 40, dissatisfied: 0,
};
export const choiceOfScore = (score: number): SurveyChoice | undefined => surveyChoices.find((c) => surveyScore[c] === score);
export const surveyQuestions = ['q1', 'q2', 'q3', 'q4', 'q5'] as const;
export type SurveyQuestion = (typeof surveyQuestions)[number];

/** An item's number as people write it: `#12`. */
export const itemNumber = (id: number) => `#${id}`;
