import { supportChannels, supportCategories, supportStatuses } from '../../../db/schema/support';

/**
 * The support desk's vocabulary: channels, categories and the item's life
 * 受付 → 対応中 → 協議中 → 完了 / 見送り. Names for people live in the i18n files.
 */
export { supportChannels, supportCategories, supportStatuses };
export type SupportChannel = (typeof supportChannels)[number];
export type SupportCategory = (typeof supportCategories)[number];
export type SupportStatus = (typeof supportStatuses)[number];

/** Closed items: 完了 (done) and 見送り (declined). */
export const closedStatuses: readonly SupportStatus[] = ['done', 'declined'];
export const isClosed = (s: SupportStatus) => closedStatuses.includes(s);

/** Where an item may go from each status. A closed item can be reopened (対応中) if the requester comes back. */
export const transitions: Record<SupportStatus, readonly SupportStatus[]> = {
  received: ['in_progress', 'consulting', 'done', 'declined'],
  in_progress: ['consulting', 'done', 'declined'],
  consulting: ['in_progress', 'done', 'declined'],
  done: ['in_progress'],
  declined: ['in_progress'],
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
