import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for LLM APIs, speaking their real wire formats: OpenAI's `/v1/chat/completions`
 * (JSON, or SSE chunks with `tool_calls` deltas when `stream: true`) and Anthropic's `/v1/messages`
 * (JSON, or its typed SSE events). Each path prefix (`/p1`, `/p2` …) is one provider with its own
 * queue of scripted answers, so a test can make provider 1 fail and provider 2 answer.
 */
export type Script =
  /** A final answer. */
  | { text: string }
  /** The model calls tools (optionally saying something first). */
  | { toolCalls: Array<{ name: string; input: unknown }>; text?: string }
  /** The API fails with this status. */
  | { status: number; message?: string }
  /** The API never answers. */
  | { hang: true }
  /** A streamed answer that starts, says a few words, then stops without ending. */
  | { stall: string };

export interface RecordedRequest {
  prefix: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export const USAGE = { input: 100, output: 20 };

export class FakeLlmServer {
  readonly requests: RecordedRequest[] = [];
  readonly #queues = new Map<string, Script[]>();
  readonly #server: Server;
  #calls = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeLlmServer> {
    const server = createServer();
    const fake = new FakeLlmServer(server);
    server.on('request', (req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => fake.#handle(req.url ?? '/', req.headers, raw, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Queues answers for the provider at `prefix` (`/p1` → `${url}/p1/v1`). */
  script(prefix: string, ...scripts: Script[]): void {
    this.#queues.set(prefix, [...(this.#queues.get(prefix) ?? []), ...scripts]);
  }

  /** Answers not yet given: a test checks the model was asked as often as scripted. */
  remaining(prefix: string): number {
    return this.#queues.get(prefix)?.length ?? 0;
  }

  requestsTo(prefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.prefix === prefix);
  }

  reset(): void {
    this.#queues.clear();
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(url: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const match = /^(\/[^/]+)(\/v1\/(?:chat\/completions|messages))$/.exec(url);
    if (!match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${url}` } }));
      return;
    }
    const [, prefix, path] = match as unknown as [string, string, string];
    const body = JSON.parse(raw) as Record<string, unknown>;
    this.requests.push({ prefix, path, headers, body });
    const script = this.#queues.get(prefix)?.shift();
    if (!script) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no scripted answer left for ${prefix}` } }));
      return;
    }
    if ('hang' in script) return; // keep the socket open, answer nothing
    if ('stall' in script) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { id: 'chatcmpl-stall', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: script.stall }, finish_reason: null }] };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      return; // and nothing more
    }
    if ('status' in script) {
      res.writeHead(script.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: script.message ?? 'scripted failure', type: 'server_error' } }));
      return;
    }
    const n = ++this.#calls;
    const stream = body.stream === true;
    if (path === '/v1/messages') {
      if (stream) anthropicStream(res, script, String(body.model), n);
      else json(res, anthropicMessage(script, String(body.model), n));
    } else if (stream) {
      openAiStream(res, script, String(body.model), n);
    } else {
      json(res, openAiCompletion(script, String(body.model), n));
    }
  }
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

type Answer = Exclude<Script, { status: number } | { hang: true } | { stall: string }>;

function calls(script: Answer) {
  return 'toolCalls' in script ? script.toolCalls : [];
}

function openAiCompletion(script: Answer, model: string, n: number) {
  const toolCalls = calls(script).map((c, i) => ({ id: `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
  return {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: script.text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
  };
}

function openAiStream(res: ServerResponse, script: Answer, model: string, n: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const base = { id: `chatcmpl-${n}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  const send = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);
  const delta = (d: Record<string, unknown>, finish: string | null = null) => send({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] });
  delta({ role: 'assistant', content: '' });
  // Text in a few pieces, as a model streams it.
  for (const piece of (script.text ?? '').match(/.{1,8}/gs) ?? []) delta({ content: piece });
  calls(script).forEach((c, i) => {
    const args = JSON.stringify(c.input);
    delta({ tool_calls: [{ index: i, id: `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: '' } }] });
    // The arguments arrive in fragments, as they do from real models.
    for (const piece of args.match(/.{1,10}/gs) ?? []) delta({ tool_calls: [{ index: i, function: { arguments: piece } }] });
  });
  delta({}, calls(script).length ? 'tool_calls' : 'stop');
  send({ ...base, choices: [], usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output } });
  res.end('data: [DONE]\n\n');
}

function anthropicMessage(script: Answer, model: string, n: number) {
  const content: unknown[] = [];
  if (script.text) content.push({ type: 'text', text: script.text });
  calls(script).forEach((c, i) => content.push({ type: 'tool_use', id: `toolu_${n}_${i}`, name: c.name, input: c.input }));
  return {
    id: `msg_${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: calls(script).length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
  };
}

function anthropicStream(res: ServerResponse, script: Answer, model: string, n: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: Record<string, unknown>) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', {
    message: { id: `msg_${n}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: USAGE.input, output_tokens: 1 } },
  });
  let index = 0;
  if (script.text) {
    send('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const piece of script.text.match(/.{1,8}/gs) ?? []) send('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    send('content_block_stop', { index });
    index += 1;
  }
  calls(script).forEach((c, i) => {
    send('content_block_start', { index, content_block: { type: 'tool_use', id: `toolu_${n}_${i}`, name: c.name, input: {} } });
    for (const piece of JSON.stringify(c.input).match(/.{1,10}/gs) ?? []) send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
    send('content_block_stop', { index });
    index += 1;
  });
  send('message_delta', { delta: { stop_reason: calls(script).length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: USAGE.output } });
  send('message_stop', {});
  res.end();
}
