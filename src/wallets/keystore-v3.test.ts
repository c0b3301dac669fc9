import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../core/errors.js';
import { decryptKeystoreV3 } from './keystore-v3.js';

// The Web3 Secret Storage definition's own test vectors (password "testpassword").
const KEY = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const scryptFile = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const pbkdf2File = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

describe('keystore v3 import', () => {
  it('opens the specification\'s scrypt and pbkdf2 vectors', async () => {
    assert.equal((await decryptKeystoreV3(JSON.stringify(scryptFile), 'testpassword')).toString('hex'), KEY);
    assert.equal((await decryptKeystoreV3(JSON.stringify(pbkdf2File), 'testpassword')).toString('hex'), KEY);
  });

  it('says so when the password is wrong', async () => {
    await assert.rejects(decryptKeystoreV3(JSON.stringify(pbkdf2File), 'nope'), (err: unknown) => err instanceof UserError && /password does not open/.test(err.message));
  });

  it('refuses KDF costs that would exhaust the server, before doing any work', async () => {
    const heavy = structuredClone(scryptFile);
    heavy.crypto.kdfparams.n = 2 ** 22;
    const started = performance.now();
    await assert.rejects(decryptKeystoreV3(JSON.stringify(heavy), 'testpassword'), /above what this server accepts/);
    assert.ok(performance.now() - started < 100);
    const slow = structuredClone(pbkdf2File);
    slow.crypto.kdfparams.c = 1e9;
    await assert.rejects(decryptKeystoreV3(JSON.stringify(slow), 'testpassword'), /above the server's limit/);
  });

  it('explains files it cannot read', async () => {
    await assert.rejects(decryptKeystoreV3('not json', 'x'), /not JSON/);
    await assert.rejects(decryptKeystoreV3(JSON.stringify({ version: 1 }), 'x'), /not a version 3 keystore/);
    const cbc = structuredClone(scryptFile);
    cbc.crypto.cipher = 'aes-128-cbc';
    await assert.rejects(decryptKeystoreV3(JSON.stringify(cbc), 'x'), /aes-128-ctr is/);
  });
});
