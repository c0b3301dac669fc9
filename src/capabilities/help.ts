import { z } from 'zod';
import { defineCapability, type CapabilityResult, type Effect } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import { escapeMarkup, table, type Reply } from '../core/reply.js';
import './services.js';

type HelpData =
  | { capabilities: Array<{ name: string; summary: string; example: string }> }
  | { capability: string; summary: string; effect: Effect; examples: string[] };

export const help = defineCapability({
  name: 'help',
  summary: 'Lists what Möbius can do with example phrasings, or explains one capability in detail.',
  input: z.object({
    capability: z.string().min(1).max(64).optional().describe('Name of one capability to explain, e.g. get_status'),
  }),
  examples: ['help', 'what can you do', 'commands', 'how does this work', 'menu', 'help get_status', 'what commands are there', 'how do i use you', 'what are your features'],
  effect: 'read',
  async run(ctx, input): Promise<CapabilityResult<HelpData>> {
    const { registry } = ctx.services;
    if (input.capability) {
      if (!registry.has(input.capability)) {
        throw new UserError('unknown_capability', `I have no capability called "${input.capability}". Say "help" to see them all.`);
      }
      const c = registry.get(input.capability);
      const reply: Reply = {
        blocks: [
          { type: 'text', text: `**${c.name}** — ${escapeMarkup(c.summary)}` },
          table(c.examples.map((e, i) => [i === 0 ? 'try' : '', `"${e}"`])),
          ...(c.effect === 'write'
            ? [{ type: 'text' as const, text: '_This one changes something, so I always ask you to confirm first._' }]
            : []),
        ],
      };
      return { data: { capability: c.name, summary: c.summary, effect: c.effect, examples: c.examples }, reply };
    }
    const capabilities = registry.list().map((c) => ({ name: c.name, summary: c.summary, example: c.examples[0] ?? c.name }));
    const reply: Reply = {
      blocks: [
        { type: 'text', text: `Hi! I'm **${ctx.services.appInfo.name}**. Ask me in plain words — here is what I can do:` },
        table(capabilities.map((c) => [`"${c.example}"`, c.summary])),
        { type: 'text', text: 'Say "help <capability>" for details, e.g. "help get_status".' },
      ],
      buttons: [capabilities.slice(0, 4).map((c) => ({ label: c.example, action: 'send' as const, value: c.example }))],
    };
    return { data: { capabilities }, reply };
  },
});
