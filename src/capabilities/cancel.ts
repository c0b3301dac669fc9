import { defineCapability } from '../core/capability.js';
import { PendingIdInput } from './confirm.js';
import './services.js';

export const cancel = defineCapability({
  name: 'cancel',
  summary: 'Cancels the action waiting for your confirmation; nothing of it happens.',
  input: PendingIdInput,
  examples: ['no', 'cancel', 'never mind', 'forget it', 'scratch that', 'stop', 'abort', 'dont'],
  effect: 'read',
  run(ctx, input) {
    return ctx.services.confirmations.cancel(ctx, input.id);
  },
});
