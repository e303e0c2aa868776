export { DECISION_CODES, decisionLabel, type DecisionCode } from './codes';
export { DecisionLog, DECISION_RETENTION_META, DEFAULT_DECISION_RETENTION_DAYS, type StateDraft } from './decision-log';
export { strategyHeadline, ago, type HeadlineFacts, type StrategyStateWord } from './headline';
