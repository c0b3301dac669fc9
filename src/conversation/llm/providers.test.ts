import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config.js';
import { apiKeyLookup, parsePrices, parseProviderList } from './providers.js';

describe('LLM provider settings', () => {
  it('reads ordered entries whose URL and model both hold colons', () => {
    assert.deepEqual(parseProviderList('openai-compatible:http://127.0.0.1:11434/v1:llama3.1:8b, anthropic::claude-sonnet-4-5'), [
      { kind: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', host: '127.0.0.1:11434' },
      { kind: 'anthropic', baseURL: 'https://api.anthropic.com/v1', model: 'claude-sonnet-4-5', host: 'api.anthropic.com' },
    ]);
    assert.equal(parseProviderList('openai-compatible:https://openrouter.ai/api/v1/:meta-llama/llama-3.3-70b')[0]!.model, 'meta-llama/llama-3.3-70b');
    assert.equal(parseProviderList('anthropic:http://[::1]:8080/v1:claude')[0]!.host, '[::1]:8080');
  });

  it('refuses entries it cannot read, naming them', () => {
    assert.throws(() => parseProviderList('openai:http://x/v1:gpt'), /entry "openai:http:\/\/x\/v1:gpt" that is not <kind>:<baseURL>:<model>/);
    assert.throws(() => parseProviderList('openai-compatible::gpt-4o'), /without a base URL/);
    assert.throws(() => parseProviderList(' , '), /names no provider/);
  });

  it('stops the start on a wrong list with one line naming the variable', () => {
    assert.throws(() => loadConfig({ LLM_PROVIDERS: 'gpt-4o' }), /^ConfigError: Configuration error: LLM_PROVIDERS has an entry "gpt-4o"/);
    assert.throws(() => loadConfig({ LLM_API_KEYS: 'sk-secret-value' }), (err: Error) => err.message.includes('LLM_API_KEYS') && !err.message.includes('sk-secret-value'));
    assert.throws(() => loadConfig({ LLM_PRICES: 'gpt=cheap' }), /LLM_PRICES has an entry "gpt=cheap"/);
    assert.throws(() => loadConfig({ LLM_EXPERIMENT_SHARE: '150' }), /LLM_EXPERIMENT_SHARE/);
  });

  it('is off by default', () => {
    const config = loadConfig({});
    assert.equal(config.LLM_PROVIDERS, undefined);
    assert.equal(config.LLM_EXPERIMENT_SHARE, 0);
  });

  it('gives each endpoint its own key, else the shared one', () => {
    const keyFor = apiKeyLookup('shared-key', 'api.groq.com=gsk_abc=, 127.0.0.1:8080=local');
    assert.equal(keyFor('api.groq.com'), 'gsk_abc=', 'a key ending in = survives');
    assert.equal(keyFor('127.0.0.1:8080'), 'local');
    assert.equal(keyFor('api.anthropic.com'), 'shared-key');
    assert.equal(apiKeyLookup(undefined, undefined)('x'), undefined);
  });

  it('reads prices per million tokens', () => {
    assert.deepEqual(parsePrices('gpt-4o-mini=0.15/0.6, llama3.1:8b=0/0'), new Map([
      ['gpt-4o-mini', { input: 0.15, output: 0.6 }],
      ['llama3.1:8b', { input: 0, output: 0 }],
    ]));
  });
});
