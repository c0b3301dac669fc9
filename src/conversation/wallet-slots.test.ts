import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilities } from '../capabilities/index.js';
import { CapabilityRegistry } from '../core/registry.js';
import { IntentParser, redactIntent } from './parser.js';

const parser = new IntentParser(new CapabilityRegistry(capabilities), { tokenWords: ['ETH', 'USDC', 'PEPE', 'LINK'] });
const ADDRESS = '0xabcdef0123456789abcdef0123456789abcdef01';
const KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const PHRASE = 'test test test test test test test test test test test junk';

function intent(text: string): { name: string; input: unknown } {
  const parsed = parser.parse(text);
  return { name: parsed.name, input: parsed.input };
}

describe('the parser on wallet phrasings', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['create a wallet', 'create_wallet', {}],
    ['new wallet called savings', 'create_wallet', { name: 'savings' }],
    ['create wallet named "cold storage"', 'create_wallet', { name: 'cold storage' }],
    ['my wallets', 'list_wallets', {}],
    ['list wallets', 'list_wallets', {}],
    ['rename wallet 1 to savings', 'rename_wallet', { wallet: '1', name: 'savings' }],
    ['rename savings to trading', 'rename_wallet', { wallet: 'savings', name: 'trading' }],
    ['use wallet savings', 'set_active_wallet', { wallet: 'savings' }],
    ['use savings', 'set_active_wallet', { wallet: 'savings' }],
    ['switch to wallet 2', 'set_active_wallet', { wallet: '2' }],
    ['use wallet link', 'set_active_wallet', { wallet: 'link' }],
    [`watch ${ADDRESS}`, 'add_watch_address', { address: ADDRESS }],
    [`watch ${ADDRESS} as cold`, 'add_watch_address', { address: ADDRESS, name: 'cold' }],
    ['export wallet savings', 'export_wallet', { wallet: 'savings' }],
    ['export my private key', 'export_wallet', {}],
    ['delete wallet 2', 'delete_wallet', { wallet: '2' }],
    ['delete my trading wallet', 'delete_wallet', { wallet: 'trading' }],
    [`stop watching ${ADDRESS}`, 'delete_wallet', { wallet: ADDRESS }],
    [`rename wallet ${ADDRESS} to cold`, 'rename_wallet', { wallet: ADDRESS, name: 'cold' }],
    [`use wallet ${ADDRESS}`, 'set_active_wallet', { wallet: ADDRESS }],
    [`balance of wallet ${ADDRESS}`, 'get_balance', { address: ADDRESS }],
    ['use wallet "cold storage"', 'set_active_wallet', { wallet: 'cold storage' }],
    ['my balance', 'get_balance', {}],
    ['balance of savings', 'get_balance', { wallet: 'savings' }],
    ['savings balance', 'get_balance', { wallet: 'savings' }],
    ['balance of wallet 2', 'get_balance', { wallet: '2' }],
    ['balance of eth', 'get_balance', { tokens: ['eth'] }],
    ['eth balance', 'get_balance', { tokens: ['eth'] }],
    [`balance of ${ADDRESS} on base`, 'get_balance', { address: ADDRESS, chain: 'base' }],
    ['switch wallet to 2', 'set_active_wallet', { wallet: '2' }],
    ['change active wallet to savings', 'set_active_wallet', { wallet: 'savings' }],
    ['make savings the active wallet', 'set_active_wallet', { wallet: 'savings' }],
    ['delete the wallet called savings', 'delete_wallet', { wallet: 'savings' }],
    ['rename my active wallet to main', 'rename_wallet', { name: 'main' }],
    ['create a wallet and call it main', 'create_wallet', { name: 'main' }],
    ['link account', 'link_account', {}],
  ];
  for (const [text, name, input] of cases) {
    it(`"${text}" → ${name}`, () => assert.deepEqual(intent(text), { name, input }));
  }

  it('leaves market questions as they were', () => {
    assert.deepEqual(intent('price of eth'), { name: 'get_price', input: { tokens: ['eth'] } });
    assert.deepEqual(intent('2 eth in usd').input, { amount: '2', from: 'eth', to: 'usd' });
  });
});

describe('the parser on messages carrying keys', () => {
  it('sends a private key or a recovery phrase to import_wallet, with its name', () => {
    assert.deepEqual(intent(`import wallet 0x${KEY}`), { name: 'import_wallet', input: { privateKey: `0x${KEY}` } });
    assert.deepEqual(intent(`import wallet ${KEY} as savings`), { name: 'import_wallet', input: { privateKey: KEY, name: 'savings' } });
    assert.deepEqual(intent(`import ${PHRASE}`), { name: 'import_wallet', input: { mnemonic: PHRASE } });
    assert.deepEqual(intent(PHRASE), { name: 'import_wallet', input: { mnemonic: PHRASE } });
    assert.deepEqual(intent(`import ${PHRASE} path m/44'/60'/0'/0/1 called second`), { name: 'import_wallet', input: { mnemonic: PHRASE, derivationPath: "m/44'/60'/0'/0/1", name: 'second' } });
    for (const text of [`import wallet 0x${KEY}`, PHRASE]) assert.equal(parser.parse(text).containsSecret, true);
  });

  it('never imports a bare 64-hex value (it may be a transaction hash), but still treats it as secret', () => {
    const parsed = parser.parse(`0x${KEY}`);
    assert.deepEqual([parsed.name, parsed.input, parsed.containsSecret], ['none', {}, true]);
  });

  it('keeps no message with a key in its cache', () => {
    assert.equal(parser.parse('price of eth'), parser.parse('price of eth'), 'ordinary messages are cached');
    const text = `import wallet ${KEY}`;
    assert.notEqual(parser.parse(text), parser.parse(text));
  });

  it('reports the intent with every secret as [REDACTED]', () => {
    const redacted = redactIntent(parser.parse(`import ${PHRASE} as main`));
    assert.deepEqual(redacted.input, { mnemonic: '[REDACTED]', name: 'main' });
    const file = redactIntent(parser.parse(`import ${JSON.stringify({ version: 3, crypto: { kdf: 'scrypt' } })} password hunter2`));
    assert.deepEqual(file.input, { keystore: '[REDACTED]', password: '[REDACTED]' });
    const plain = parser.parse('price of eth');
    assert.equal(redactIntent(plain), plain);
  });
});
