import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { recoverMessageAddress } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { KEYSTORE_KEY, KEYSTORE_PASSWORD, PBKDF2_KEYSTORE } from '../../test/fixtures/keystore-v3.js';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import { UserError } from '../core/errors.js';
import { AuditLog } from '../infra/audit.js';
import { Keystore } from './keystore.js';
import { masterKeyFrom } from './master-key.js';
import { WalletService, type WalletActor } from './wallets.js';

/** Hardhat's well-known test phrase and its first two accounts. */
const HARDHAT = 'test test test test test test test test test test test junk';
const HARDHAT_0 = { key: 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' };
const HARDHAT_1 = { key: '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' };
const KEYSTORE = JSON.stringify(PBKDF2_KEYSTORE);
const WATCHED = '0x00000000000000000000000000000000000b0b01';

/** A UserError with this code whose message does not repeat any of `secrets`. */
function refused(code: string, ...secrets: string[]) {
  return (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.code, code, err.message);
    for (const s of secrets) {
      assert.ok(!err.message.toLowerCase().includes(s.toLowerCase()), `the message repeats a secret: ${err.message}`);
      assert.ok(!JSON.stringify(err.details ?? {}).toLowerCase().includes(s.toLowerCase()), 'the details repeat a secret');
    }
    return true;
  };
}

for (const c of databaseCases()) {
  describe(`WalletService on ${c.name}`, { skip: c.skip }, () => {
    let handle: TestDatabase;
    let audit: AuditLog;
    let wallets: WalletService;
    const keystore = new Keystore(masterKeyFrom(randomBytes(32)));

    async function newUser(): Promise<WalletActor> {
      const userId = `usr_${randomBytes(6).toString('hex')}`;
      await handle.db.insertInto('users').values({ id: userId, tier: 'free', created_at: new Date().toISOString() }).execute();
      return { userId, actor: `telegram:${userId}` };
    }

    before(async () => {
      handle = await c.open({ migrated: true });
      audit = new AuditLog(handle.db, handle.dialect);
      wallets = new WalletService(handle.db, keystore, audit);
    });
    after(() => handle?.close());

    it('creates a wallet whose key signs for its address; the first one is active and named "Wallet 1"', async () => {
      const me = await newUser();
      const wallet = await wallets.create(me);
      assert.equal(wallet.name, 'Wallet 1');
      assert.equal(wallet.kind, 'local');
      assert.equal(wallet.active, true);
      assert.match(wallet.address, /^0x[0-9a-fA-F]{40}$/);
      const signature = await wallets.withSigner(me.userId, '1', (account) => account.signMessage({ message: 'hello' }));
      assert.equal(await recoverMessageAddress({ message: 'hello', signature }), wallet.address);
      const second = await wallets.create(me, 'Savings');
      assert.equal(second.active, false);
      assert.deepEqual((await wallets.list(me.userId)).map((w) => w.name), ['Wallet 1', 'Savings']);
      assert.equal((await wallets.active(me.userId))?.id, wallet.id);
    });

    it('imports a private key with or without 0x, and refuses a duplicate', async () => {
      const me = await newUser();
      const wallet = await wallets.importPrivateKey(me, `0x${HARDHAT_0.key}`);
      assert.equal(wallet.address, HARDHAT_0.address);
      await assert.rejects(wallets.importPrivateKey(me, HARDHAT_0.key.toUpperCase()), refused('conflict', HARDHAT_0.key));
      const exported = await wallets.exportKey(me, wallet.id);
      assert.equal(exported.privateKey, `0x${HARDHAT_0.key}`);
    });

    it('refuses malformed and out-of-range keys without repeating them', async () => {
      const me = await newUser();
      const short = HARDHAT_0.key.slice(0, 63);
      await assert.rejects(wallets.importPrivateKey(me, short), refused('bad_input', short));
      await assert.rejects(wallets.importPrivateKey(me, `0x${'0'.repeat(64)}`), refused('bad_input'));
      const order = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';
      await assert.rejects(wallets.importPrivateKey(me, order), refused('bad_input', order));
      await assert.rejects(wallets.importPrivateKey(me, `${HARDHAT_0.key.slice(0, 60)}zzzz`), refused('bad_input', HARDHAT_0.key.slice(0, 60)));
      assert.equal((await wallets.list(me.userId)).length, 0);
    });

    it('imports a recovery phrase at the default path and at another one', async () => {
      const me = await newUser();
      const first = await wallets.importMnemonic(me, `  ${HARDHAT.toUpperCase()}\n`);
      assert.equal(first.address, HARDHAT_0.address);
      assert.equal(first.derivationPath, "m/44'/60'/0'/0/0");
      const second = await wallets.importMnemonic(me, HARDHAT, { path: "m/44'/60'/0'/0/1", name: 'second' });
      assert.equal(second.address, HARDHAT_1.address);
      assert.equal((await wallets.exportKey(me, 'second')).privateKey, `0x${HARDHAT_1.key}`);
    });

    it('says what is wrong with a phrase (count, unknown word, checksum) without quoting it', async () => {
      const me = await newUser();
      const words = HARDHAT.split(' ');
      await assert.rejects(wallets.importMnemonic(me, words.slice(0, 11).join(' ')), (err: unknown) => refused('bad_input', 'junk')(err) && /11 words/.test((err as Error).message));
      const typo = [...words.slice(0, 4), 'tezt', ...words.slice(5)].join(' ');
      await assert.rejects(wallets.importMnemonic(me, typo), (err: unknown) => refused('bad_input', 'tezt', 'junk')(err) && /word 5 is not in the BIP-39/.test((err as Error).message));
      const swapped = [...words.slice(0, 11), 'test'].join(' ');
      await assert.rejects(wallets.importMnemonic(me, swapped), (err: unknown) => refused('bad_input', swapped)(err) && /checksum/.test((err as Error).message));
      await assert.rejects(wallets.importMnemonic(me, HARDHAT, { path: 'm/44/x' }), refused('bad_input'));
    });

    it('imports a keystore v3 file with its password, and refuses a wrong password', async () => {
      const me = await newUser();
      await assert.rejects(wallets.importKeystore(me, KEYSTORE, 'wrong password'), refused('bad_input', 'wrong password'));
      const wallet = await wallets.importKeystore(me, KEYSTORE, KEYSTORE_PASSWORD, 'from file');
      assert.equal(wallet.address, privateKeyToAddress(`0x${KEYSTORE_KEY}`));
      assert.equal(wallet.name, 'from file');
    });

    it('watches an address without a key; export and signing say it is watch-only', async () => {
      const me = await newUser();
      const watched = await wallets.addWatch(me, WATCHED, 'cold');
      assert.equal(watched.kind, 'watch');
      assert.equal(watched.address, '0x00000000000000000000000000000000000B0b01', 'checksummed');
      await assert.rejects(wallets.exportKey(me, 'cold'), refused('bad_input'));
      await assert.rejects(wallets.withSigner(me.userId, 'cold', async () => 1), refused('bad_input'));
      await assert.rejects(wallets.addWatch(me, WATCHED.toUpperCase().replace('0X', '0x')), refused('conflict'));
      await assert.rejects(wallets.addWatch(me, `0x${HARDHAT_0.key}`), refused('bad_input', HARDHAT_0.key));
    });

    it('refuses a 6th wallet (watch addresses count), with a clear message', async () => {
      const me = await newUser();
      for (let i = 0; i < 4; i++) await wallets.create(me);
      await wallets.addWatch(me, WATCHED);
      await assert.rejects(wallets.create(me), (err: unknown) => refused('conflict')(err) && /already have 5 wallets/.test((err as Error).message));
      await assert.rejects(wallets.importPrivateKey(me, HARDHAT_0.key), refused('conflict', HARDHAT_0.key));
      assert.equal((await wallets.list(me.userId)).length, 5);
    });

    it('holds the limit under concurrent creates from separate instances', async () => {
      const me = await newUser();
      const services = Array.from({ length: 8 }, () => new WalletService(handle.db, keystore, audit));
      const results = await Promise.allSettled(services.map((s) => s.create(me)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as UserError).code, 'conflict');
      const list = await wallets.list(me.userId);
      assert.equal(list.length, 5);
      assert.equal(list.filter((w) => w.active).length, 1, 'exactly one active wallet');
      assert.equal(new Set(list.map((w) => w.name.toLowerCase())).size, 5, 'names stay unique');
    });

    it('keeps names valid and unique per user, whatever their case', async () => {
      const me = await newUser();
      await wallets.create(me, 'Savings');
      await assert.rejects(wallets.create(me, 'savings'), refused('conflict'));
      for (const bad of ['', '   ', '42', '0xabc', 'x'.repeat(33), 'bell\u0007', '<script>']) await assert.rejects(wallets.create(me, bad), refused('bad_input'), JSON.stringify(bad));
      const other = await wallets.create(me);
      assert.equal(other.name, 'Wallet 2');
      await assert.rejects(wallets.rename(me, other.id, 'SAVINGS'), refused('conflict'));
      const { wallet, previousName } = await wallets.rename(me, '2', 'Trading');
      assert.deepEqual([wallet.name, previousName], ['Trading', 'Wallet 2']);
      assert.equal((await wallets.rename(me, 'trading', 'trading')).wallet.name, 'trading', 'a wallet may change its own case');
    });

    it('finds a wallet by name (any case), number, address or id, and lists the names when it cannot', async () => {
      const me = await newUser();
      const a = await wallets.create(me, 'Main');
      const b = await wallets.importPrivateKey(me, HARDHAT_1.key, 'Trading');
      assert.equal((await wallets.find(me.userId, 'trading')).id, b.id);
      assert.equal((await wallets.find(me.userId, ' MAIN ')).id, a.id);
      assert.equal((await wallets.find(me.userId, '2')).id, b.id);
      assert.equal((await wallets.find(me.userId, '#1')).id, a.id);
      assert.equal((await wallets.find(me.userId, HARDHAT_1.address.toLowerCase())).id, b.id);
      assert.equal((await wallets.find(me.userId, b.id)).id, b.id);
      await assert.rejects(wallets.find(me.userId, '3'), (err: unknown) => refused('not_found')(err) && /1\. Main, 2\. Trading/.test((err as Error).message));
      await assert.rejects(wallets.find(me.userId, `0x${HARDHAT_0.key}`), refused('not_found', HARDHAT_0.key));
      const defaults = await newUser();
      for (let i = 0; i < 3; i++) await wallets.create(defaults);
      await wallets.delete(defaults, '1');
      assert.equal((await wallets.find(defaults.userId, '2')).name, 'Wallet 3', 'a position first');
      assert.equal((await wallets.find(defaults.userId, '3')).name, 'Wallet 3', 'past the end, the default name');
      const nobody = await newUser();
      await assert.rejects(wallets.find(nobody.userId, 'main'), (err: unknown) => refused('not_found')(err) && /no wallets yet/.test((err as Error).message));
    });

    it("never reaches another user's wallet, by name, number, address or id", async () => {
      const alice = await newUser();
      const bob = await newUser();
      const hers = await wallets.importPrivateKey(alice, HARDHAT_0.key, 'Alice');
      await wallets.create(bob, 'Bob');
      for (const ref of ['Alice', hers.id, hers.address, hers.address.toLowerCase(), '2']) {
        await assert.rejects(wallets.find(bob.userId, ref), refused('not_found'), ref);
        await assert.rejects(wallets.exportKey(bob, ref), refused('not_found'), ref);
        await assert.rejects(wallets.rename(bob, ref, 'mine now'), refused('not_found'), ref);
        await assert.rejects(wallets.setActive(bob, ref), refused('not_found'), ref);
        await assert.rejects(wallets.delete(bob, ref), refused('not_found'), ref);
        await assert.rejects(wallets.withSigner(bob.userId, ref, async () => 'signed'), refused('not_found'), ref);
      }
      assert.deepEqual((await wallets.list(bob.userId)).map((w) => w.name), ['Bob']);
      const still = await wallets.find(alice.userId, 'alice');
      assert.deepEqual(still, hers);
      // The same key imported by Bob is Bob's own wallet: the (user, address) pair is what is unique.
      assert.equal((await wallets.importPrivateKey(bob, HARDHAT_0.key)).address, hers.address);
    });

    it('switches the active wallet, and deleting the active one makes another active', async () => {
      const me = await newUser();
      const one = await wallets.create(me, 'one');
      const two = await wallets.create(me, 'two');
      const three = await wallets.addWatch(me, WATCHED, 'three');
      assert.equal((await wallets.setActive(me, 'two')).id, two.id);
      assert.deepEqual((await wallets.list(me.userId)).map((w) => w.active), [false, true, false]);
      const removed = await wallets.delete(me, 'two');
      assert.equal(removed.deleted.id, two.id);
      assert.equal(removed.active?.id, one.id);
      assert.deepEqual((await wallets.list(me.userId)).map((w) => [w.name, w.active]), [['one', true], ['three', false]]);
      const notActive = await wallets.delete(me, three.address);
      assert.equal(notActive.active?.id, one.id);
      const last = await wallets.delete(me, '1');
      assert.equal(last.active, undefined);
      assert.deepEqual(await wallets.list(me.userId), []);
      const again = await wallets.create(me);
      assert.equal(again.active, true, 'the next first wallet is active again');
    });

    it('audits every change with the acting identity, never a key', async () => {
      const me = await newUser();
      const created = await wallets.create(me, 'a');
      await wallets.importPrivateKey(me, HARDHAT_1.key, 'b');
      await wallets.importMnemonic(me, HARDHAT, { name: 'c' });
      await wallets.addWatch(me, WATCHED, 'd');
      await wallets.rename(me, 'a', 'aa');
      await wallets.setActive(me, 'b');
      const { privateKey } = await wallets.exportKey(me, 'aa');
      await wallets.delete(me, 'aa');
      const rows = await handle.db.selectFrom('audit_log').selectAll().where('subject', '=', me.userId).orderBy('seq').execute();
      assert.deepEqual(
        rows.map((r) => r.action),
        ['wallet.created', 'wallet.imported', 'wallet.imported', 'wallet.watch_added', 'wallet.renamed', 'wallet.activated', 'wallet.exported', 'wallet.deleted'],
      );
      assert.ok(rows.every((r) => r.actor === me.actor));
      const data = rows.map((r) => JSON.parse(r.data) as Record<string, unknown>);
      assert.equal(data[0]!.walletId, created.id);
      assert.equal(data[0]!.address, created.address);
      assert.deepEqual(data.slice(1, 3).map((d) => d.method), ['private_key', 'mnemonic']);
      const text = rows.map((r) => r.data).join('\n').toLowerCase();
      for (const secret of [HARDHAT_1.key, HARDHAT_0.key, privateKey.slice(2), HARDHAT]) assert.ok(!text.includes(secret.toLowerCase()));
      assert.equal((await audit.verify()).ok, true);
    });

    it('stores only sealed keys: no row holds a key in hex, base64 or bytes', async () => {
      const me = await newUser();
      await wallets.importPrivateKey(me, HARDHAT_0.key);
      await wallets.importMnemonic(me, HARDHAT, { path: "m/44'/60'/0'/0/1" });
      const rows = await handle.db.selectFrom('wallets').selectAll().where('user_id', '=', me.userId).execute();
      const text = JSON.stringify(rows).toLowerCase();
      for (const key of [HARDHAT_0.key, HARDHAT_1.key]) {
        assert.ok(!text.includes(key));
        assert.ok(!text.includes(Buffer.from(key, 'hex').toString('base64').toLowerCase()));
      }
      assert.ok(!text.includes('junk'));
      assert.ok(rows.every((r) => r.ciphertext && r.wrapped_dek && r.key_id === keystore.keyId));
    });
  });
}
