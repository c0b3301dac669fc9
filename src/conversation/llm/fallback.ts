import { generateText, jsonSchema, stepCountIs, streamText, tool, type ModelMessage, type StepResult, type ToolSet } from 'ai';
import type { CapabilityInvoker } from '../../capabilities/invoke.js';
import type { AnyCapability, Logger } from '../../core/capability.js';
import { newErrorRef, toPublicError } from '../../core/errors.js';
import type { Principal, Tier } from '../../core/identity.js';
import type { Reply } from '../../core/reply.js';
import type { CapabilityRegistry } from '../../core/registry.js';
import type { Metrics } from '../../infra/metrics.js';
import type { ChatResult, ConversationFallback, FallbackRequest } from '../assistant.js';
import type { Experiments, Variant } from './experiments.js';
import { AddressGuard } from './guard.js';
import type { ExternalMcpTools, ExternalTool } from './mcp-tools.js';
import type { LlmProvider } from './models.js';
import { wrapToolData } from './prompt.js';
import type { TokenPrice } from './providers.js';

/** What one variant of the fallback runs: its providers per tier, in the order they are tried, and its prompt. */
export interface VariantSetup {
  providers: Record<Tier, readonly LlmProvider[]>;
  system: string;
}

export interface LlmFallbackDeps {
  invoker: CapabilityInvoker;
  registry: CapabilityRegistry;
  experiments: Experiments;
  variants: Record<Variant, VariantSetup>;
  /** Tools of other MCP servers (`MCP_SERVERS`), offered after the capabilities as the last resort. */
  external?: ExternalMcpTools;
  /** Most tool-calling rounds per turn; the round after is answered without tools. */
  maxSteps: number;
  maxOutputTokens: number;
  prices: ReadonlyMap<string, TokenPrice>;
  metrics: Pick<Metrics, 'llmRequests' | 'llmTokens' | 'llmCost'>;
  log: Logger;
  /** The API keys: masked out of anything logged about a provider's failure. */
  secrets: readonly string[];
}

/** What a tool call answers the model: the wrapped data, or an error it can explain to the person. */
type ToolOutcome = { ok: true; text: string } | { ok: false; error: { code: string; message: string } };

/** The state of one message's turn, shared by its tool calls and across providers. */
interface Turn {
  request: FallbackRequest;
  variant: Variant;
  guard: AddressGuard;
  tools: ToolSet;
  /** The capabilities' replies (tables, charts, confirm buttons), in the order the calls finished. */
  replies: Reply[];
  calls: Array<{ name: string; input: unknown }>;
  toolErrors: number;
  /** Steps finished so far, over every provider tried. */
  steps: number;
  /** The conversation so far beyond the person's message: what the next provider continues from. */
  history: ModelMessage[];
}

/** A model calls at most this many tools per step on average; more in one turn is refused. */
const CALLS_PER_STEP = 3;

/**
 * The LLM fallback: a message the parser could not read goes to a model whose tools are the
 * capabilities. Each tool call runs through the invoker as source `llm` — reads run, a write only
 * becomes a pending action for the person to confirm (and `confirm` refuses the model) — after the
 * address guard checked that every address in it came from the person.
 *
 * Providers are tried in order; when one fails or passes its deadline, the next continues the same
 * turn from the last finished step (tool calls already made are not made again).
 */
export class LlmFallback implements ConversationFallback {
  readonly #deps: LlmFallbackDeps;
  /** Input schemas for the tools, converted once (the registry never changes). */
  readonly #schemas = new Map<string, ReturnType<typeof jsonSchema>>();

  constructor(deps: LlmFallbackDeps) {
    this.#deps = deps;
    for (const d of deps.registry.describe()) {
      // `$schema` names the JSON Schema dialect; some OpenAI-compatible servers refuse the keyword.
      const { $schema: _dialect, ...schema } = d.inputSchema;
      this.#schemas.set(d.name, jsonSchema(schema));
    }
  }

  async answer(request: FallbackRequest): Promise<ChatResult | undefined> {
    const { experiments, variants } = this.#deps;
    const variant = experiments.variantOf(request.principal.userId);
    const setup = variants[variant];
    const turn: Turn = {
      request,
      variant,
      guard: new AddressGuard(request.text),
      tools: {},
      replies: [],
      calls: [],
      toolErrors: 0,
      steps: 0,
      history: [],
    };
    const external = this.#deps.external ? await this.#deps.external.tools() : [];
    turn.tools = this.#toolsFor(turn, external);
    for (const provider of setup.providers[request.principal.tier]) {
      const text = await this.#attempt(turn, provider, setup.system);
      if (text === undefined) continue;
      experiments.record(variant, turn.toolErrors > 0 ? 'tool_error' : 'answered');
      return this.#result(turn, text);
    }
    experiments.record(variant, 'provider_failure');
    // Nothing at all to show: the assistant answers as it does without an LLM.
    if (turn.replies.length === 0) return undefined;
    return this.#result(turn, "I could not finish answering that (the language model did not respond); here is what I found so far.");
  }

  #result(turn: Turn, text: string): ChatResult | undefined {
    const replies: Reply[] = [];
    if (text.trim()) replies.push({ blocks: [{ type: 'text', text: text.trim() }] });
    replies.push(...turn.replies);
    if (replies.length === 0) return undefined;
    const first = turn.calls[0];
    return { replies, intent: { name: first?.name ?? 'none', input: first?.input ?? {}, source: 'llm' } };
  }

  /**
   * One provider's go at the turn: the model's final text, or undefined when the provider failed
   * (an error, or its deadline) and the next should continue. The person's own abort is rethrown.
   */
  async #attempt(turn: Turn, provider: LlmProvider, system: string): Promise<string | undefined> {
    const { request } = turn;
    const { maxSteps, maxOutputTokens, metrics } = this.#deps;
    const { host, model } = provider.spec;
    const startSteps = turn.steps;
    const startHistory = turn.history;
    const settings = {
      model: provider.model,
      system,
      messages: [{ role: 'user' as const, content: request.text }, ...startHistory],
      tools: turn.tools,
      // The next provider is the retry: one slow provider must not eat the whole turn.
      maxRetries: 0,
      maxOutputTokens,
      stopWhen: stepCountIs(Math.max(1, maxSteps + 1 - startSteps)),
      // The last round gets no tools: the model must answer with what it has.
      prepareStep: ({ stepNumber }: { stepNumber: number }) => (startSteps + stepNumber >= maxSteps ? { toolChoice: 'none' as const } : undefined),
      onStepFinish: (step: StepResult<ToolSet>) => {
        turn.steps = startSteps + step.stepNumber + 1;
        turn.history = [...startHistory, ...step.response.messages];
        // Calls the SDK itself refused (an unknown tool, input that is not JSON) come back as errors.
        turn.toolErrors += step.content.filter((part) => part.type === 'tool-error').length;
        this.#countUsage(provider, step.usage);
      },
      ...(request.signal ? { abortSignal: request.signal } : {}),
    };
    try {
      const text = request.onProgress ? await this.#stream(settings, request.onProgress) : (await generateText(settings)).text;
      metrics.llmRequests.labels(host, model, 'ok').inc();
      return text;
    } catch (err) {
      if (request.signal?.aborted) throw err;
      const timedOut = isTimeout(err);
      metrics.llmRequests.labels(host, model, timedOut ? 'timeout' : 'error').inc();
      this.#deps.log.warn(
        { provider: host, model, requestId: request.requestId, reason: this.#describe(err), stepsDone: turn.steps },
        timedOut ? 'LLM provider passed its deadline; trying the next' : 'LLM provider failed; trying the next',
      );
      return undefined;
    }
  }

  /** Streams the answer, showing the text as it grows through the front door's progress updates. */
  async #stream(settings: Parameters<typeof streamText>[0], onProgress: NonNullable<FallbackRequest['onProgress']>): Promise<string> {
    // onError: failures arrive as stream parts and are thrown below; the default would print them.
    const result = streamText({ ...settings, onError: () => undefined });
    let text = '';
    for await (const part of result.fullStream) {
      if (part.type === 'start-step') {
        text = '';
      } else if (part.type === 'text-delta') {
        text += part.text;
        onProgress({ type: 'progress', text });
      } else if (part.type === 'error') {
        throw part.error;
      } else if (part.type === 'abort') {
        throw new DOMException('The answer was aborted.', 'AbortError');
      }
    }
    return text;
  }

  /** The tools of this turn: every capability the person may call, each run through the invoker. */
  #toolsFor(turn: Turn, external: readonly ExternalTool[]): ToolSet {
    const tools: ToolSet = {};
    for (const ext of external) {
      tools[ext.name] = tool({
        description: ext.description,
        inputSchema: jsonSchema(ext.inputSchema),
        execute: (input: unknown): Promise<ToolOutcome> => this.#callExternal(turn, ext, input),
        toModelOutput: ({ output }: { output: ToolOutcome }) =>
          output.ok ? { type: 'text' as const, value: output.text } : { type: 'error-json' as const, value: { error: output.error } },
      });
    }
    for (const capability of this.#deps.registry.list()) {
      if (!mayCall(turn.request.principal, capability)) continue;
      tools[capability.name] = tool({
        description: capability.summary,
        inputSchema: this.#schemas.get(capability.name)!,
        execute: (input: unknown): Promise<ToolOutcome> => this.#call(turn, capability.name, input),
        toModelOutput: ({ output }: { output: ToolOutcome }) =>
          output.ok ? { type: 'text' as const, value: output.text } : { type: 'error-json' as const, value: { error: output.error } },
      });
    }
    return tools;
  }

  /** A call to another server's tool: guarded like the capabilities, its result passed as data. */
  async #callExternal(turn: Turn, ext: ExternalTool, input: unknown): Promise<ToolOutcome> {
    const { request } = turn;
    const { log, maxSteps } = this.#deps;
    turn.calls.push({ name: ext.name, input });
    const refuse = (code: string, message: string): ToolOutcome => {
      turn.toolErrors += 1;
      log.info({ tool: ext.name, code, requestId: request.requestId }, 'LLM external tool call refused');
      return { ok: false, error: { code, message } };
    };
    if (turn.calls.length > maxSteps * CALLS_PER_STEP) return refuse('too_many_calls', 'Refused: too many tool calls for one message. Answer with what you have.');
    const invented = turn.guard.unknownIn(input);
    if (invented.length > 0) {
      return refuse('address_not_given', `Refused, nothing was run: ${invented.join(', ')} is not in the person's message or their own wallet list. Ask the person for the one they mean.`);
    }
    try {
      const result = await this.#deps.external!.call(ext.name, input, request.signal);
      log.info({ tool: ext.name, isError: result.isError, requestId: request.requestId }, 'LLM external tool called');
      return { ok: true, text: wrapToolData(`mcp:${ext.server}/${ext.tool}`, result) };
    } catch (err) {
      turn.toolErrors += 1;
      log.warn({ tool: ext.name, err: (err as Error).message, requestId: request.requestId }, 'LLM external tool call failed');
      return { ok: false, error: { code: 'external_tool_failed', message: `The external tool did not answer: ${(err as Error).message}` } };
    }
  }

  /** One tool call: guarded, then run through the invoker as the person, with source `llm`. */
  async #call(turn: Turn, name: string, input: unknown): Promise<ToolOutcome> {
    const { request } = turn;
    const { invoker, log, maxSteps, experiments } = this.#deps;
    turn.calls.push({ name, input });
    const refuse = (code: string, message: string): ToolOutcome => {
      turn.toolErrors += 1;
      log.info({ capability: name, code, requestId: request.requestId }, 'LLM tool call refused');
      return { ok: false, error: { code, message } };
    };
    if (turn.calls.length > maxSteps * CALLS_PER_STEP) {
      return refuse('too_many_calls', 'Refused: too many tool calls for one message. Answer with what you have.');
    }
    const invented = turn.guard.unknownIn(input);
    if (invented.length > 0) {
      return refuse(
        'address_not_given',
        `Refused, nothing was run: ${invented.join(', ')} is not in the person's message or their own wallet list. Never invent or guess addresses or ENS names: ask the person for the one they mean.`,
      );
    }
    try {
      const result = await invoker.invoke({
        name,
        input,
        principal: request.principal,
        source: 'llm',
        requestId: request.requestId,
        ...(request.chat ? { chat: request.chat } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      });
      turn.replies.push(result.reply);
      turn.guard.learn(name, result.data);
      const pendingId = (result.data as { pending?: { id?: unknown } } | null | undefined)?.pending?.id;
      if (typeof pendingId === 'string') experiments.noteProposed(pendingId, turn.variant);
      return { ok: true, text: wrapToolData(name, result.data) };
    } catch (err) {
      turn.toolErrors += 1;
      const ref = newErrorRef();
      const pub = toPublicError(err, ref);
      if (pub.status >= 500) log.error({ err, ref, capability: name, requestId: request.requestId }, 'LLM tool call failed');
      else log.info({ capability: name, code: pub.code, requestId: request.requestId }, 'LLM tool call refused');
      return { ok: false, error: { code: pub.code, message: pub.message } };
    }
  }

  #countUsage(provider: LlmProvider, usage: StepResult<ToolSet>['usage']): void {
    const { metrics, prices } = this.#deps;
    const { host, model } = provider.spec;
    const input = usage.inputTokens ?? 0;
    const output = usage.outputTokens ?? 0;
    if (input > 0) metrics.llmTokens.labels(host, model, 'input').inc(input);
    if (output > 0) metrics.llmTokens.labels(host, model, 'output').inc(output);
    const price = prices.get(model);
    if (price && input + output > 0) metrics.llmCost.labels(host, model).inc((input * price.input + output * price.output) / 1_000_000);
  }

  /** A provider's failure in one line for the log: never the request (the person's words), never a key. */
  #describe(err: unknown): string {
    const e = err as { name?: string; message?: string; statusCode?: number };
    let text = `${e.name ?? 'Error'}${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}: ${String(e.message ?? err).slice(0, 300)}`;
    for (const secret of this.#deps.secrets) if (secret) text = text.split(secret).join('[REDACTED]');
    return text;
  }
}

/**
 * Whether the person may call a capability at all — the invoker's own rule for scopes and the
 * admin tier — so the model is not offered tools that can only fail. The invoker still checks.
 */
function mayCall(principal: Principal, capability: AnyCapability): boolean {
  const scope = capability.scope ?? 'market';
  if (principal.scopes && !principal.scopes.includes(scope)) return false;
  return scope !== 'admin' || principal.tier === 'admin';
}

function isTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { name?: string }).name === 'TimeoutError') return true;
  }
  return false;
}
