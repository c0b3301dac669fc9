import { z } from 'zod';
import type { AnyCapability, Effect } from './capability.js';
import { UserError } from './errors.js';

/** How a capability is described to the outside: HTTP, the LLM's tool list, MCP. */
export interface CapabilityDescriptor {
  name: string;
  summary: string;
  effect: Effect;
  examples: string[];
  /** JSON Schema (draft 2020-12) of the input, generated from the zod schema. */
  inputSchema: Record<string, unknown>;
}

/** The set of capabilities this instance offers. Built once in app.ts; read-only afterwards. */
export class CapabilityRegistry {
  readonly #byName = new Map<string, AnyCapability>();
  readonly #descriptors: readonly CapabilityDescriptor[];

  constructor(capabilities: readonly AnyCapability[]) {
    for (const capability of capabilities) {
      if (this.#byName.has(capability.name)) {
        throw new TypeError(`capability "${capability.name}" is registered twice`);
      }
      this.#byName.set(capability.name, capability);
    }
    // Generated once: schema conversion is not free and the set never changes after boot.
    // Frozen: the same objects go to every caller, and none may change them for the others.
    this.#descriptors = Object.freeze(
      [...this.#byName.values()].map((c) =>
        Object.freeze({
          name: c.name,
          summary: c.summary,
          effect: c.effect,
          examples: Object.freeze([...c.examples]) as string[],
          inputSchema: z.toJSONSchema(c.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
        }),
      ),
    ) as CapabilityDescriptor[];
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The capability, or a 404-class UserError naming the ones that exist. */
  get(name: string): AnyCapability {
    const capability = this.#byName.get(name);
    if (!capability) {
      throw new UserError('unknown_capability', `There is no capability called "${name}".`, {
        details: { available: [...this.#byName.keys()] },
      });
    }
    return capability;
  }

  list(): AnyCapability[] {
    return [...this.#byName.values()];
  }

  describe(): readonly CapabilityDescriptor[] {
    return this.#descriptors;
  }
}
