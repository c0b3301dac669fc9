import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineCapability, type AnyCapability } from './capability.js';
import { UserError } from './errors.js';
import { textReply } from './reply.js';
import { CapabilityRegistry } from './registry.js';

function capability(name: string, input: z.ZodType = z.object({}), effect: 'read' | 'write' = 'read'): AnyCapability {
  return defineCapability({
    name,
    summary: `Does the ${name} thing for a person.`,
    input,
    examples: [name.replaceAll('_', ' ')],
    effect,
    ...(effect === 'write' ? { describe: async () => `Do the ${name} thing?` } : {}),
    async run() {
      return { data: null, reply: textReply(name) };
    },
  });
}

describe('CapabilityRegistry', () => {
  it('lists capabilities in the order given', () => {
    const registry = new CapabilityRegistry([capability('help'), capability('get_status'), capability('get_price')]);
    assert.deepEqual(registry.list().map((c) => c.name), ['help', 'get_status', 'get_price']);
    assert.equal(registry.has('get_status'), true);
    assert.equal(registry.has('get_moon'), false);
    assert.equal(registry.get('get_price').name, 'get_price');
  });

  it('refuses the same name twice', () => {
    assert.throws(() => new CapabilityRegistry([capability('help'), capability('get_status'), capability('help')]), /"help" is registered twice/);
  });

  it('answers an unknown name with UserError unknown_capability listing what exists', () => {
    const registry = new CapabilityRegistry([capability('help'), capability('get_status')]);
    assert.throws(
      () => registry.get('get_moon'),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(err.code, 'unknown_capability');
        assert.equal(err.status, 404);
        assert.match(err.message, /get_moon/);
        assert.deepEqual(err.details, { available: ['help', 'get_status'] });
        return true;
      },
    );
  });

  it('describes each capability with a JSON Schema of its input', () => {
    const registry = new CapabilityRegistry([
      capability('help', z.object({ capability: z.string().min(1).max(64).optional().describe('One capability to explain') })),
      capability(
        'get_price',
        z.object({ tokens: z.array(z.string()).min(1).max(20), vs: z.enum(['usd', 'eur']).default('usd') }),
      ),
      capability('send_token', z.object({ to: z.string() }), 'write'),
    ]);
    const [help, price, send] = registry.describe();
    assert.deepEqual(
      { name: help!.name, effect: help!.effect, examples: help!.examples },
      { name: 'help', effect: 'read', examples: ['help'] },
    );
    assert.equal(help!.summary, 'Does the help thing for a person.');
    assert.equal(help!.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(help!.inputSchema.type, 'object');
    assert.deepEqual((help!.inputSchema.properties as Record<string, unknown>).capability, {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'One capability to explain',
    });
    assert.ok(!((help!.inputSchema.required as string[] | undefined) ?? []).includes('capability'));

    // The schema describes what a caller may send: a field with a default is optional.
    const properties = price!.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(price!.inputSchema.required, ['tokens']);
    assert.equal(properties.tokens!.type, 'array');
    assert.equal(properties.tokens!.minItems, 1);
    assert.equal(properties.tokens!.maxItems, 20);
    assert.deepEqual(properties.vs!.enum, ['usd', 'eur']);
    assert.equal(properties.vs!.default, 'usd');
    assert.equal(send!.effect, 'write');
  });
});
