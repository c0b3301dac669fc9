import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CANARY_OWNER, CANARY_TEXT, checkCanary, Keystore, KeystoreError, type SealedSecret, type SecretOwner } from './keystore.js';
import { masterKeyFrom } from './master-key.js';

const alice: SecretOwner = { userId: 'u-alice', address: '0x1111111111111111111111111111111111111111' };
const bob: SecretOwner = { userId: 'u-bob', address: '0x2222222222222222222222222222222222222222' };
const key = () => masterKeyFrom(randomBytes(32));
const open = (ks: Keystore, sealed: SealedSecret, owner: SecretOwner) => ks.withSecret(sealed, owner, (s) => Buffer.from(s));

describe('keystore (envelope encryption)', () => {
  const ks = new Keystore(key());
  const secret = randomBytes(32);

  it('opens what it sealed, for its owner', async () => {
    const sealed = ks.seal(secret, alice);
    assert.deepEqual(await open(ks, sealed, alice), secret);
    assert.equal(sealed.keyId, ks.keyId);
    assert.ok(!sealed.ciphertext.includes(secret), 'no plaintext in the record');
  });

  it('refuses every flipped byte of ciphertext, nonce, tag or wrapped key', async () => {
    const sealed = ks.seal(secret, alice);
    for (const field of ['ciphertext', 'nonce', 'wrappedDek', 'dekNonce'] as const) {
      for (let i = 0; i < sealed[field].length; i++) {
        const tampered: SealedSecret = { ...sealed, [field]: Buffer.from(sealed[field]) };
        tampered[field][i]! ^= 0x01;
        await assert.rejects(open(ks, tampered, alice), KeystoreError, `${field}[${i}]`);
      }
    }
  });

  it('binds the record to its user, address and key id: a moved row does not open', async () => {
    const sealed = ks.seal(secret, alice);
    await assert.rejects(open(ks, sealed, bob), KeystoreError);
    await assert.rejects(open(ks, sealed, { ...alice, address: bob.address }), KeystoreError);
    await assert.rejects(open(ks, sealed, { ...alice, userId: 'u-alice2' }), KeystoreError);
    const otherKeystore = new Keystore(key());
    await assert.rejects(open(otherKeystore, sealed, alice), /not loaded/);
    await assert.rejects(open(ks, { ...sealed, version: 2 as 1 }, alice), /version/);
  });

  it('wipes the plaintext when the callback ends, even when it throws', async () => {
    const sealed = ks.seal(secret, alice);
    let seen: Buffer | undefined;
    await ks.withSecret(sealed, alice, (s) => {
      seen = s;
    });
    assert.ok(seen!.every((b) => b === 0));
    await assert.rejects(ks.withSecret(sealed, alice, (s) => {
      seen = s;
      throw new Error('signing failed');
    }));
    assert.ok(seen!.every((b) => b === 0));
  });

  it('re-wraps under a new master key, and the result opens with the new key alone', async () => {
    const oldKey = key();
    const newKey = key();
    const before = new Keystore(oldKey).seal(secret, alice);
    const rotating = new Keystore(newKey, [oldKey]);
    const after = rotating.rewrap(before, alice);
    assert.equal(after.keyId, newKey.id);
    assert.deepEqual(await open(new Keystore(newKey), after, alice), secret);
    assert.equal(rotating.rewrap(after, alice), after, 'already current: unchanged, so a re-run is a no-op');
    assert.throws(() => rotating.rewrap({ ...before, ciphertext: Buffer.alloc(before.ciphertext.length) }, alice), KeystoreError, 'a broken row is reported, not re-wrapped');
  });

  it('checks the canary: the right key passes, a wrong key stops', async () => {
    const master = key();
    const canary = new Keystore(master).seal(Buffer.from(CANARY_TEXT), CANARY_OWNER);
    await checkCanary(new Keystore(master), canary);
    const wrong = masterKeyFrom(randomBytes(32));
    await assert.rejects(checkCanary(new Keystore({ ...wrong, id: master.id }), canary), /does not match this database/);
  });

  it('round-trips any secret for any owner, and never reuses a nonce (property)', async () => {
    const nonces = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 128 }), fc.string({ minLength: 1, maxLength: 40 }), fc.stringMatching(/^0x[0-9a-fA-F]{40}$/), async (bytes, userId, address) => {
        const owner = { userId, address };
        const sealed = ks.seal(bytes, owner);
        for (const n of [sealed.nonce, sealed.dekNonce]) {
          const hex = n.toString('hex');
          assert.ok(!nonces.has(hex), 'nonce reused');
          nonces.add(hex);
        }
        assert.deepEqual(new Uint8Array(await open(ks, sealed, owner)), bytes);
      }),
      { numRuns: 300 },
    );
  });
});
