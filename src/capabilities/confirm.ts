import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import './services.js';

export const PendingIdInput = z.object({
  id: z
    .string()
    .regex(/^pa_[0-9a-f]{32}$/, 'a pending action id looks like pa_ followed by 32 hex digits')
    .optional()
    .describe('The pending action to answer (from the answer that asked for confirmation); the current one when omitted in chat.'),
});

export const confirm = defineCapability({
  name: 'confirm',
  summary: 'Confirms the action waiting for your yes (a wallet export or deletion, a swap or transfer) and runs it.',
  input: PendingIdInput,
  examples: ['yes', 'confirm', 'go ahead', 'yes do it', 'go', 'yes please', 'do it', 'sure'],
  effect: 'read',
  run(ctx, input) {
    return ctx.services.confirmations.confirm(ctx, input.id);
  },
});
