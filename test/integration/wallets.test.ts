import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { english, generateMnemonic, mnemonicToAccount, privateKeyToAddress } from 'viem/accounts';
import type { ChatResult } from '../../src/conversation/assistant.js';
import type { UserRef } from '../../src/core/identity.js';
import { KEYSTORE_KEY, KEYSTORE_PASSWORD, PBKDF2_KEYSTORE } from '../fixtures/keystore-v3.js';
import { dialects, request, startTestServer, type TestServer } from '../helpers/app.js';

const KEYSTORE = PBKDF2_KEYSTORE;
const WATCHED = '0x00000000000000000000000000000000000b0b01';

const randomKey = () => randomBytes(32).toString('hex');

/** Every secret the run handles, to look for afterwards wherever data could land. */
class Secrets {
  readonly keys = new Set<string>();
  readonly phrases = new Set<string>();
  readonly passwords = new Set<string>([KEYSTORE_PASSWORD]);

  key(hex: string): string {
    this.keys.add(hex.replace(/^0x/, '').toLowerCase());
    return hex;
  }

  /** Needles in text: each key in hex (with and without 0x, any case) and base64, each phrase, each password. */
  textForms(): string[] {
    const out: string[] = [];
    for (const k of this.keys) out.push(k, Buffer.from(k, 'hex').toString('base64'));
    return [...out, ...this.phrases, ...this.passwords];
  }

  /** Asserts no secret appears in `text` (compared case-insensitively for hex and phrases). */
  assertAbsent(text: string, where: string): void {
    const lower = text.toLowerCase();
    for (const k of this.keys) {
      assert.ok(!lower.includes(k), `${where}: holds a private key in hex`);
      assert.ok(!text.includes(Buffer.from(k, 'hex').toString('base64')), `${where}: holds a private key in base64`);
    }
    for (const p of this.phrases) {
      assert.ok(!lower.includes(p), `${where}: holds a recovery phrase`);
      // A phrase split over lines or with other spacing.
      assert.ok(!lower.replace(/\s+/g, ' ').includes(p), `${where}: holds a recovery phrase (respaced)`);
    }
    for (const p of this.passwords) assert.ok(!text.includes(p), `${where}: holds a keystore password`);
  }

  /** Also the raw 32 bytes of each key, for binary files. */
  assertAbsentInBytes(bytes: Buffer, where: string): void {
    for (const k of this.keys) assert.ok(!bytes.includes(Buffer.from(k, 'hex')), `${where}: holds a private key's raw bytes`);
    for (const needle of this.textForms()) assert.ok(!bytes.includes(Buffer.from(needle)), `${where}: holds a secret as text`);
    for (const k of this.keys) assert.ok(!bytes.includes(Buffer.from(k.toUpperCase())), `${where}: holds a private key in upper-case hex`);
  }
}

const text = (result: ChatResult | { reply: unknown }) => JSON.stringify('replies' in result ? result.replies : result.reply);

for (const dialect of dialects) {
  describe(`wallets end to end on ${dialect.name}`, { skip: dialect.skip }, () => {
    let server: TestServer;
    const secrets = new Secrets();
    const alice: UserRef = { platform: 'telegram', id: 'alice' };
    const bob: UserRef = { platform: 'telegram', id: 'bob' };
    const privateChat = (ref: UserRef) => ({ kind: 'private' as const, id: `dm-${ref.id}` });
    const say = (user: UserRef, words: string, chat: { kind: 'private' | 'group'; id: string } = privateChat(user)) => server.app.assistant.handle({ user, text: words, chat });
    /** A write run as the confirmation flow runs it, after the person said yes. */
    const confirmed = async (user: UserRef, name: string, input: unknown) =>
      server.app.invoker.invoke({ name, input, principal: await server.app.identities.resolve(user), source: 'builtin', requestId: `test-${randomBytes(3).toString('hex')}`, chat: privateChat(user), confirmed: true });
    const api = (name: string, user: string, input: unknown = {}) => request(server.url, 'POST', `/v1/capabilities/${name}`, { json: { user, input } });
    const chat = (user: string, words: string) => request(server.url, 'POST', '/v1/chat', { json: { user, text: words } });

    before(async () => {
      // Every log line at trace level: the imports and exports below must leave no key in any of them.
      server = await startTestServer(dialect.name, { DEVNET_MARKET_MAKER_INTERVAL_MS: '0', MOBIUS_RATE_LIMIT_FREE: '100000', MOBIUS_RATE_LIMIT_PRO: '100000' }, { logLevel: 'trace' });
    });
    after(() => server?.dispose());

    const keyA = secrets.key(randomKey());
    const phrase = generateMnemonic(english);
    secrets.phrases.add(phrase);
    const phraseKey = secrets.key(Buffer.from(mnemonicToAccount(phrase).getHdKey().privateKey!).toString('hex'));
    secrets.key(KEYSTORE_KEY);
    let aliceWallets: Array<{ id: string; name: string; address: string }> = [];

    it('creates, imports (key, phrase), watches and lists through chat, and refuses a 6th wallet', async () => {
      const created = await say(alice, 'create a wallet');
      assert.equal(created.intent.name, 'create_wallet');
      assert.match(text(created), /Created \*\*Wallet 1\*\*/);
      assert.match(text(await say(alice, 'new wallet called savings')), /Created \*\*savings\*\*/);

      const byKey = await say(alice, `import wallet 0x${keyA}`);
      assert.equal(byKey.intent.name, 'import_wallet');
      assert.equal(byKey.containsSecret, true);
      assert.deepEqual(byKey.intent.input, { privateKey: '[REDACTED]' });
      assert.match(text(byKey), new RegExp(`Imported .*from a private key`));
      assert.ok(text(byKey).includes(privateKeyToAddress(`0x${keyA}`)), 'the reply names the address');

      const byPhrase = await say(alice, `import ${phrase}`);
      assert.equal(byPhrase.containsSecret, true);
      assert.deepEqual(byPhrase.intent.input, { mnemonic: '[REDACTED]' });
      assert.match(text(byPhrase), /from a recovery phrase \(path m\/44'\/60'\/0'\/0\/0\)/);
      assert.ok(text(byPhrase).includes(privateKeyToAddress(`0x${phraseKey}`)));

      assert.match(text(await say(alice, `watch ${WATCHED} as cold`)), /Watching \*\*cold\*\*/);
      const sixth = await say(alice, 'create a wallet');
      assert.match(text(sixth), /already have 5 wallets/);
      const sixthImport = await say(alice, `import wallet ${randomKey()}`);
      assert.match(text(sixthImport), /already have 5 wallets/);
      assert.equal(sixthImport.containsSecret, true);

      const inGroup = await say(alice, `import wallet ${secrets.key(randomKey())}`, { kind: 'group', id: 'group-1' });
      assert.equal(inGroup.containsSecret, true, 'the platform is told to delete the message, even in a group');
      assert.match(text(inGroup), /private chat/);

      const listed = await say(alice, 'my wallets');
      assert.equal(listed.intent.name, 'list_wallets');
      assert.match(text(listed), /Your wallets \(5 of 5\)/);
      assert.match(text(listed), /1\. Wallet 1 ★ active/);
      assert.match(text(listed), /watch-only/);
      const data = (await server.app.invoker.invoke({ name: 'list_wallets', input: {}, principal: await server.app.identities.resolve(alice), source: 'builtin', requestId: 'list' })).data as { wallets: typeof aliceWallets };
      aliceWallets = data.wallets;
      assert.deepEqual(aliceWallets.map((w) => w.name), ['Wallet 1', 'savings', 'Wallet 3', 'Wallet 4', 'cold']);
    });

    it('renames, switches the active wallet and reads balances of own wallets through chat', async () => {
      assert.match(text(await say(alice, 'rename wallet 1 to main')), /Renamed \*\*Wallet 1\*\* to \*\*main\*\*/);
      assert.match(text(await say(alice, 'use wallet savings')), /\*\*savings\*\* .* is now your active wallet/);
      const own = await say(alice, 'balance of savings');
      assert.equal(own.intent.name, 'get_balance');
      assert.match(text(own), /Balances of \*\*savings\*\*/);
      const all = await say(alice, 'my balance');
      assert.match(text(all), /Balances of your 5 wallets/);
      assert.match(text(all), /\*\*cold\*\*/);
      const noWallets = await say({ platform: 'telegram', id: 'carol' }, 'my balance');
      assert.match(text(noWallets), /no wallets yet/);
    });

    it('exports and deletes only once confirmed, in a private chat, showing the key only to its owner', async () => {
      const asked = await say(alice, 'export wallet main');
      assert.equal(asked.intent.name, 'export_wallet');
      const main = aliceWallets[0]!;
      const exported = await confirmed(alice, 'export_wallet', { wallet: 'main' });
      const { privateKey } = exported.data as { privateKey: string };
      secrets.key(privateKey);
      assert.equal(privateKeyToAddress(privateKey as `0x${string}`), main.address);
      assert.ok(!text(asked).includes(privateKey.slice(2)), 'asking shows no key');
      assert.equal(exported.reply.privateOnly, true);
      assert.match(text(exported), /Keep it safe/);
      const imported = await confirmed(alice, 'export_wallet', { wallet: aliceWallets[2]!.address });
      assert.equal((imported.data as { privateKey: string }).privateKey, `0x${keyA}`);
      // Every created wallet's key is a secret to look for too.
      secrets.key(((await confirmed(alice, 'export_wallet', { wallet: 'savings' })).data as { privateKey: string }).privateKey);

      const inGroup = await say(alice, 'export wallet main', { kind: 'group', id: 'group-1' });
      assert.match(text(inGroup), /private chat/);
      assert.ok(!text(inGroup).includes(privateKey.slice(2)));
      await assert.rejects(
        server.app.invoker.invoke({ name: 'export_wallet', input: { wallet: 'main' }, principal: await server.app.identities.resolve(alice), source: 'builtin', requestId: 'g', chat: { kind: 'group', id: 'g' }, confirmed: true }),
        { code: 'forbidden' },
      );
      await assert.rejects(confirmed(alice, 'export_wallet', { wallet: 'cold' }), /watch-only/);

      const deleteDescribed = await server.app.registry.get('delete_wallet').describe!(
        { principal: await server.app.identities.resolve(alice), services: { wallets: server.app.wallets } } as never,
        { wallet: 'main' },
      );
      const summaryOf = (described: string | { summary: string }) => (typeof described === 'string' ? described : described.summary);
      assert.match(summaryOf(deleteDescribed), /private key will be erased/);
      assert.match(summaryOf(await server.app.registry.get('delete_wallet').describe!({ principal: await server.app.identities.resolve(alice), services: { wallets: server.app.wallets } } as never, { wallet: 'cold' })), /no key is lost/);
      const deleted = await confirmed(alice, 'delete_wallet', { wallet: 'cold' });
      assert.match(text(deleted), /Stopped watching \*\*cold\*\*/);
      assert.equal((await server.app.wallets!.list((await server.app.identities.resolve(alice)).userId)).length, 4);
    });

    it("keeps user B away from A's wallets through chat and the invoker: by name, number, address or id", async () => {
      assert.match(text(await say(bob, 'my wallets')), /no wallets yet/);
      for (const w of aliceWallets.slice(0, 4)) {
        for (const ref of [w.name, w.id, w.address]) {
          // (Balances of an address are public: "balance of 0x…" reads them, for anyone.)
          const balance = ref === w.address ? [] : [`balance of wallet "${ref}"`];
          for (const words of [`use wallet "${ref}"`, `rename wallet "${ref}" to mine`, ...balance, `export wallet "${ref}"`, `delete wallet "${ref}"`]) {
            const answer = text(await say(bob, words));
            assert.match(answer, /no wallets yet|no wallet/, `${words}: ${answer}`);
          }
          for (const name of ['export_wallet', 'delete_wallet', 'set_active_wallet']) {
            await assert.rejects(confirmed(bob, name, { wallet: ref }), { code: 'not_found' }, `${name} ${ref}`);
          }
          await assert.rejects(confirmed(bob, 'rename_wallet', { wallet: ref, name: 'mine' }), { code: 'not_found' });
        }
      }
      // Bob may read any address's public balances, but it is not his wallet.
      const readOnly = await confirmed(bob, 'get_balance', { address: aliceWallets[1]!.address });
      assert.equal((readOnly.data as { wallets?: unknown }).wallets, undefined);
      assert.deepEqual((await server.app.wallets!.list((await server.app.identities.resolve(alice)).userId)).map((w) => w.name), ['main', 'savings', 'Wallet 3', 'Wallet 4']);
    });

    it('works over HTTP: chat import (redacted), keystore import, list, rename, activate, and per-user isolation', async () => {
      const keyB = secrets.key(randomKey());
      const imported = await chat('dave', `import wallet ${keyB} as hot`);
      assert.equal(imported.status, 200, imported.text);
      assert.equal(imported.body.containsSecret, true);
      assert.deepEqual(imported.body.intent.input, { privateKey: '[REDACTED]', name: 'hot' });
      assert.ok(!imported.text.toLowerCase().includes(keyB));
      const parsed = await request(server.url, 'POST', '/v1/parse', { json: { text: `import ${phrase}` } });
      assert.equal(parsed.status, 200);
      assert.deepEqual(parsed.body.intent.input, { mnemonic: '[REDACTED]' });
      secrets.assertAbsent(parsed.text, '/v1/parse');

      const wrong = await api('import_wallet', 'dave', { keystore: KEYSTORE, password: 'not it' });
      assert.equal(wrong.status, 400);
      assert.ok(!wrong.text.includes('not it'));
      const file = await api('import_wallet', 'dave', { keystore: JSON.stringify(KEYSTORE), password: KEYSTORE_PASSWORD, name: 'file' });
      assert.equal(file.status, 200, file.text);
      assert.equal(file.body.data.method, 'keystore_v3');
      assert.equal(file.body.data.wallet.address, privateKeyToAddress(`0x${KEYSTORE_KEY}`));
      const bad = await api('import_wallet', 'dave', { privateKey: `${keyB.slice(0, 62)}zz` });
      assert.equal(bad.status, 400);
      assert.ok(!bad.text.toLowerCase().includes(keyB.slice(0, 62)), 'a refused key is not repeated');
      const both = await api('import_wallet', 'dave', { privateKey: keyB, mnemonic: phrase });
      assert.equal(both.status, 400);
      secrets.assertAbsent(both.text, 'a refused import');

      const created = await api('create_wallet', 'dave', { name: 'fresh' });
      assert.equal(created.status, 200, created.text);
      const list = await api('list_wallets', 'dave');
      assert.deepEqual(list.body.data.wallets.map((w: { name: string; active: boolean }) => [w.name, w.active]), [['hot', true], ['file', false], ['fresh', false]]);
      assert.equal((await api('rename_wallet', 'dave', { wallet: 'fresh', name: 'spare' })).body.data.wallet.name, 'spare');
      assert.equal((await api('set_active_wallet', 'dave', { wallet: '3' })).body.data.wallet.name, 'spare');
      assert.equal((await api('add_watch_address', 'dave', { address: WATCHED })).body.data.wallet.kind, 'watch');
      const export_ = await api('export_wallet', 'dave', { wallet: 'hot' });
      assert.ok(!export_.text.toLowerCase().includes(keyB), 'an unconfirmed export shows no key');
      secrets.key(((await confirmed({ platform: 'api', id: 'local:dave' }, 'export_wallet', { wallet: 'spare' })).data as { privateKey: string }).privateKey);

      // Another API user of the same key sees none of it, by name, number, address or id.
      const theirs = list.body.data.wallets as Array<{ id: string; name: string; address: string }>;
      assert.deepEqual((await api('list_wallets', 'erin')).body.data.wallets, []);
      for (const w of theirs) {
        for (const ref of [w.name, w.id, w.address, '1']) {
          for (const [name, input] of [
            ['rename_wallet', { wallet: ref, name: 'mine' }],
            ['set_active_wallet', { wallet: ref }],
            ['export_wallet', { wallet: ref }],
            ['delete_wallet', { wallet: ref }],
            ['get_balance', { wallet: ref }],
          ] as const) {
            const res = await api(name, 'erin', input);
            assert.equal(res.status, 404, `${name} ${ref}: ${res.text}`);
            assert.equal(res.body.error.code, 'not_found');
          }
          const viaChat = await chat('erin', `use wallet "${ref}"`);
          assert.match(viaChat.text, /no wallets yet|no wallet/);
        }
      }
      assert.equal((await api('list_wallets', 'dave')).body.data.wallets.length, 4, "dave's wallets are untouched");
    });

    it('asks before exporting or deleting, keeps asking across a question, and acts on the yes (chat and HTTP)', async () => {
      const carol: UserRef = { platform: 'telegram', id: 'carol' };
      await say(carol, 'create a wallet called daily');
      await say(carol, 'create a wallet called vault');
      const asked = await say(carol, 'delete wallet vault');
      const prompt = text(asked);
      assert.match(prompt, /Please confirm/);
      assert.match(prompt, /vault/);
      assert.deepEqual(asked.replies[0]!.buttons![0]!.map((b) => b.action), ['confirm', 'cancel']);
      assert.equal((await say(carol, 'list my wallets')).intent.name, 'list_wallets', 'a question in between is answered');
      const gone = await say(carol, 'yep');
      assert.equal(gone.intent.name, 'confirm');
      const names = async () => ((await confirmed(carol, 'list_wallets', {})).data as { wallets: Array<{ name: string }> }).wallets.map((w) => w.name);
      assert.deepEqual(await names(), ['daily']);

      // An export asked for in a private chat and confirmed there shows the key, marked private.
      await say(carol, 'export wallet daily');
      const shown = await say(carol, 'go ahead');
      assert.equal(shown.replies[0]!.privateOnly, true);
      const key = ((shown.replies[0]!.blocks.map((b) => ('text' in b ? b.text : '')).join(' ').match(/0x[0-9a-f]{64}/i) ?? [])[0] ?? '').slice(2);
      assert.equal(key.length, 64, 'the confirmed export shows the key');
      secrets.key(key.toLowerCase());
      // A "no" leaves everything as it was.
      await say(carol, 'delete wallet daily');
      assert.match(text(await say(carol, 'no')), /Cancelled/);
      assert.deepEqual(await names(), ['daily']);

      // Over HTTP the answer carries the pending action's id, and confirm names it.
      await api('create_wallet', 'frank', { name: 'temp' });
      const pending = await api('delete_wallet', 'frank', { wallet: 'temp' });
      assert.equal(pending.status, 200, pending.text);
      const id = pending.body.data.pending.id as string;
      assert.equal((await api('list_wallets', 'frank')).body.data.wallets.length, 1, 'nothing happens before the confirmation');
      assert.equal((await api('confirm', 'frank', {})).status, 400, 'an API confirmation names its action');
      assert.equal((await api('confirm', 'grace', { id })).status, 404, "another user cannot confirm frank's action");
      const done = await api('confirm', 'frank', { id });
      assert.equal(done.status, 200, done.text);
      assert.equal(done.body.data.confirmed.capability, 'delete_wallet');
      assert.deepEqual((await api('list_wallets', 'frank')).body.data.wallets, []);
      assert.equal((await api('confirm', 'frank', { id })).status, 404, 'a confirmation runs once');
    });

    it('leaves no key, phrase or password in the logs, the audit log, or the database (file or dump)', async () => {
      // The scan itself finds what it looks for.
      assert.throws(() => secrets.assertAbsent(`x ${[...secrets.keys][0]!.toUpperCase()} x`, 'self-check'));
      assert.throws(() => secrets.assertAbsent(`x ${phrase.replaceAll(' ', '\n')} x`, 'self-check'));
      assert.throws(() => secrets.assertAbsentInBytes(Buffer.concat([Buffer.from('x'), Buffer.from([...secrets.keys][1]!, 'hex')]), 'self-check'));
      secrets.assertAbsent(server.logs.text, 'the logs');
      assert.ok(server.logs.lines.some((l) => l.includes('"level":"debug"') || l.includes('"level":"trace"')), 'debug lines were captured');
      const audit = await server.app.database.db.selectFrom('audit_log').selectAll().execute();
      const actions = audit.map((r) => r.action);
      for (const action of ['wallet.created', 'wallet.imported', 'wallet.watch_added', 'wallet.renamed', 'wallet.activated', 'wallet.exported', 'wallet.deleted']) assert.ok(actions.includes(action), action);
      secrets.assertAbsent(JSON.stringify(audit), 'the audit log');
      const methods = audit.filter((r) => r.action === 'wallet.imported').map((r) => (JSON.parse(r.data) as { method: string }).method);
      assert.deepEqual([...new Set(methods)].sort(), ['keystore_v3', 'mnemonic', 'private_key']);

      const config = server.app.config;
      await server.stop();
      if (dialect.name === 'sqlite') {
        const dir = path.dirname(config.sqlitePath);
        const files = readdirSync(dir).filter((f) => f.startsWith(path.basename(config.sqlitePath)));
        assert.ok(files.length > 0);
        for (const f of files) secrets.assertAbsentInBytes(readFileSync(path.join(dir, f)), f);
      } else {
        const schema = /search_path=(\w+)/.exec(decodeURIComponent(config.DATABASE_URL!))![1]!;
        const dump = execFileSync('/usr/bin/pg_dump', ['--schema', schema, '--data-only', process.env.DATABASE_URL!], { maxBuffer: 256 * 1024 * 1024 });
        assert.ok(dump.includes(Buffer.from('wallet.imported')), 'the dump holds the data');
        secrets.assertAbsentInBytes(dump, 'pg_dump');
        secrets.assertAbsent(dump.toString('utf8'), 'pg_dump');
      }
    });
  });
}
