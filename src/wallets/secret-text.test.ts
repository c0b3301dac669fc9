import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMnemonic, isValidMnemonic } from './mnemonic.js';
import { findSecrets } from './secret-text.js';

const KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PHRASE_24 = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art';

describe('checkMnemonic', () => {
  it('accepts valid 12- and 24-word phrases, normalising case and spaces', () => {
    assert.equal(checkMnemonic(`  ${PHRASE.toUpperCase().replaceAll(' ', '\n')} `), PHRASE);
    assert.ok(isValidMnemonic(PHRASE_24));
    assert.ok(isValidMnemonic('test test test test test test test test test test test junk'));
  });

  it('refuses a wrong checksum, an unknown word and a wrong count', () => {
    assert.throws(() => checkMnemonic(PHRASE.replace(/about$/, 'abandon')), /checksum/);
    assert.throws(() => checkMnemonic(PHRASE.replace(/^abandon/, 'abandn')), /word 1 is not in the BIP-39/);
    assert.throws(() => checkMnemonic(PHRASE.split(' ').slice(1).join(' ')), /11 words/);
  });
});

describe('findSecrets', () => {
  it('finds a private key with or without 0x, and cuts it out', () => {
    assert.deepEqual(findSecrets(`import wallet 0x${KEY} as savings`), { privateKey: `0x${KEY}`, rest: 'import wallet as savings' });
    assert.deepEqual(findSecrets(KEY.toUpperCase()), { privateKey: KEY.toUpperCase(), rest: '' });
  });

  it('leaves a transaction hash alone when the words say it is one', () => {
    assert.equal(findSecrets(`status of tx 0x${KEY}`), undefined);
    assert.equal(findSecrets(`0x${KEY.slice(0, 40)}`), undefined, 'an address is no key');
    assert.equal(findSecrets(`0x${KEY}00`), undefined, '66 hex digits are no key');
  });

  it('finds a recovery phrase inside other words, and a near-miss with a typo', () => {
    assert.deepEqual(findSecrets(`import seed phrase ${PHRASE} please`), { mnemonic: PHRASE, rest: 'import' }, 'BIP-39 words around the phrase (seed, phrase, please) are cut with it');
    assert.equal(findSecrets(`Import: ${PHRASE_24}`)?.mnemonic, PHRASE_24);
    const typo = PHRASE.replace('abandon abandon abandon', 'abandon abandn abandon');
    assert.equal(findSecrets(typo)?.mnemonic, typo, 'one word off is still a phrase to protect');
  });

  it('splits words as `\\s` does, beyond ASCII too', () => {
    assert.equal(findSecrets(PHRASE.replaceAll(' ', '\u00a0'))?.mnemonic, PHRASE, 'no-break spaces');
    assert.equal(findSecrets(PHRASE.replaceAll(' ', '\u3000'))?.mnemonic, PHRASE, 'ideographic spaces');
  });

  it('takes a run of list words far longer than any phrase whole, without trying every window', () => {
    const run = Array.from({ length: 600 }, () => 'abandon').join(' ');
    assert.equal(findSecrets(run)?.mnemonic, run);
  });

  it('does not take ordinary sentences for a phrase', () => {
    for (const text of ['what is the price of eth and btc and sol today please tell me', 'please show price chart daily with volume average cost basis profit loss summary', 'hello there']) {
      assert.equal(findSecrets(text), undefined, text);
    }
  });

  it('finds a keystore file and its password', () => {
    const file = JSON.stringify({ version: 3, crypto: { cipher: 'aes-128-ctr', ciphertext: KEY } });
    const found = findSecrets(`import ${file} password: "hunter 2"`);
    assert.equal(found?.keystore, file);
    assert.equal(found?.password, 'hunter 2');
    assert.equal(found?.privateKey, undefined, 'the ciphertext inside the file is not a second key');
    assert.equal(found?.rest, 'import');
  });
});
