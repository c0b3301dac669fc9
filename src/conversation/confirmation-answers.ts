import type { MessageMiddleware } from './assistant.js';
import { readConfirmation } from './yes-no.js';

/**
 * The assistant step before the parser: a message that is a whole yes or no ("yep", "go ahead",
 * "cancel", 👍, or what a Confirm button sends) answers the person's pending action, through the
 * `confirm` / `cancel` capabilities. Anything else is parsed as usual and the pending action stays
 * waiting, so a question in between ("what's eth at?") does not lose it.
 */
export const answerPendingAction: MessageMiddleware = (ctx, next) => {
  const reading = readConfirmation(ctx.message.text);
  if (reading) {
    ctx.intent = {
      name: reading.answer === 'yes' ? 'confirm' : 'cancel',
      input: reading.id ? { id: reading.id } : {},
      confidence: 1,
      source: 'builtin',
    };
  }
  return next();
};
