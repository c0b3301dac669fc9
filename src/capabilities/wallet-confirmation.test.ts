import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import type { UserRef } from '../core/identity.js';
import { replyToPlainText } from '../core/reply.js';

/**
 * A yes runs exactly what the person was asked about: the wallet named in the question, even if a
 * rename or a change of active wallet in between makes the words they used mean another one.
 */
describe('wallet writes confirmed later act on the wallet they described', () => {
  let t: TestApp;
  const chat = { kind: 'private' as const, id: 'dm' };

  before(async () => {
    t = await createTestApp('sqlite', { CHAINS: 'none' });
  });
  after(() => t.dispose());

  async function say(user: UserRef, text: string): Promise<string> {
    const result = await t.app.assistant.handle({ user, text, chat });
    return result.replies.map(replyToPlainText).join('\n');
  }

  it('deletes the wallet the question named, though another one took its name before the yes', async () => {
    const me: UserRef = { platform: 'telegram', id: 'pin-delete' };
    await say(me, 'create a wallet called savings');
    await say(me, 'create a wallet called trading');
    const { userId } = await t.app.identities.resolve(me);
    const [savings, trading] = await t.app.wallets!.list(userId);
    assert.match(await say(me, 'delete wallet savings'), new RegExp(`Delete savings \\(${savings!.address.slice(0, 6)}`));
    await say(me, 'rename savings to old');
    await say(me, 'rename trading to savings');
    assert.match(await say(me, 'yes'), /Deleted/);
    const left = await t.app.wallets!.list(userId);
    assert.deepEqual(left.map((w) => w.address), [trading!.address], 'the wallet asked about is gone, the other one kept');
  });

  it('exports the key of the wallet that was active when asked, not of the one active at the yes', async () => {
    const me: UserRef = { platform: 'telegram', id: 'pin-export' };
    await say(me, 'create a wallet called first');
    await say(me, 'create a wallet called second');
    const { userId } = await t.app.identities.resolve(me);
    const [first] = await t.app.wallets!.list(userId);
    assert.match(await say(me, 'export my private key'), /private key of first/);
    await say(me, 'use wallet second');
    const answer = await say(me, 'yes');
    assert.match(answer, new RegExp(`Private key of first \\(${first!.address.slice(0, 6)}`));
  });
});
