import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWalletClient, custom, encodeFunctionData, erc20Abi, parseEther, parseUnits, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Logger } from '../../core/capability.js';
import type { Address } from '../../core/token.js';
import { uniswapV2PairAbi } from '../abi.js';
import { devnetKeys, DEVNET_CHAIN_ID } from './accounts.js';
import { priceFeedAbi } from './contracts/artifacts.js';
import { deploymentVersion } from './deploy.js';
import { startDevnet, type Devnet } from './devnet.js';
import type { JournalEntry } from './journal.js';
import { devnetChain, DevnetNode } from './node.js';
import { compactJournal } from './replay.js';

const A = '0x00000000000000000000000000000000000000aA' as Address;
const B = '0x00000000000000000000000000000000000000bB' as Address;
const SLOT1 = `0x${'01'.padStart(64, '0')}` as Hex;
const SLOT2 = `0x${'02'.padStart(64, '0')}` as Hex;

function tx(n: number): Extract<JournalEntry, { t: 'tx' }> {
  const hash = `0x${n.toString(16).padStart(64, '0')}` as Hex;
  return { t: 'tx', hash, raw: `0x0${n}`, block: 100 + n, timestamp: 1_700_000_000 + n, baseFee: String(1_000 + n) };
}

describe('compactJournal', () => {
  it('keeps every transaction, in its order, untouched', () => {
    const entries: JournalEntry[] = [tx(1), tx(2), { t: 'maker', state: { steps: 1 } }, tx(3), { t: 'head', block: 200, timestamp: 1 }, tx(4)];
    const txs = compactJournal(entries).filter((e) => e.t === 'tx');
    assert.deepEqual(txs, [tx(1), tx(2), tx(3), tx(4)]);
  });

  it('merges a run of state entries into one where later words and balances win', () => {
    const compacted = compactJournal([
      { t: 'state', storage: [[A, SLOT1, '0x01'], [A, SLOT2, '0x02']], balances: [[A, '10']] },
      { t: 'maker', state: { steps: 1 } },
      { t: 'state', storage: [[A, SLOT1, '0x11'], [B, SLOT1, '0x03']], balances: [[A, '20'], [B, '5']] },
      { t: 'state', storage: [[A, SLOT2, '0x22']], balances: [[B, '6']] },
      tx(1),
    ]);
    assert.deepEqual(compacted, [
      {
        t: 'state',
        storage: [[A, SLOT1, '0x11'], [A, SLOT2, '0x22'], [B, SLOT1, '0x03']],
        balances: [[A, '20'], [B, '6']],
      },
      tx(1),
      { t: 'maker', state: { steps: 1 } },
    ]);
  });

  it('never merges state across a transaction: what a transaction saw stays in front of it', () => {
    const compacted = compactJournal([
      { t: 'state', storage: [[A, SLOT1, '0x01']], balances: [] },
      tx(1),
      { t: 'state', storage: [[A, SLOT1, '0x02']], balances: [] },
      tx(2),
      { t: 'state', storage: [[A, SLOT1, '0x03']], balances: [] },
    ]);
    assert.deepEqual(
      compacted.map((e) => (e.t === 'state' ? e.storage[0]![2] : e.t)),
      ['0x01', 'tx', '0x02', 'tx', '0x03'],
    );
  });

  it('keeps only the last maker and head entries, after everything else', () => {
    const compacted = compactJournal([
      { t: 'maker', state: { steps: 1 } },
      { t: 'head', block: 10, timestamp: 100 },
      tx(1),
      { t: 'maker', state: { steps: 2 } },
      { t: 'head', block: 20, timestamp: 200 },
      { t: 'state', storage: [[A, SLOT1, '0x01']], balances: [] },
      tx(2),
    ]);
    assert.deepEqual(compacted.slice(-2), [
      { t: 'maker', state: { steps: 2 } },
      { t: 'head', block: 20, timestamp: 200 },
    ]);
    assert.equal(compacted.filter((e) => e.t === 'maker' || e.t === 'head').length, 2);
  });

  it('drops state entries that changed nothing', () => {
    assert.deepEqual(compactJournal([{ t: 'state', storage: [], balances: [] }, tx(1), { t: 'state', storage: [], balances: [] }]), [tx(1)]);
  });
});

/** A logger that keeps warnings, so a test can tell a clean replay from a diverged one. */
function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return {
    warnings,
    log: { debug: ignore, info: ignore, error: ignore, warn: (obj, msg) => void warnings.push(typeof obj === 'string' ? obj : (msg ?? '')) },
  };
}

interface ChainPicture {
  eth: bigint[];
  tokens: bigint[][];
  reserves: (readonly [bigint, bigint, number])[];
  feeds: (readonly [bigint, bigint, bigint, bigint, bigint])[];
  receipts: { hash: Hex; block: bigint; status: string; gasUsed: bigint; effectiveGasPrice: bigint }[];
  maker: unknown;
  head: { number: bigint; timestamp: bigint };
}

describe('a persisted devnet after a restart', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-replay-'));
  const user = privateKeyToAccount(generatePrivateKey());
  const friend = privateKeyToAccount(generatePrivateKey()).address;
  const hashes: Hex[] = [];
  let beforeClose: ChainPicture;

  async function picture(devnet: Devnet): Promise<ChainPicture> {
    const client = devnet.node.client;
    const deployment = devnet.node.deployment;
    const holders = [user.address, friend, devnetKeys.faucet.account.address];
    const pairs = deployment.dexes.flatMap((d) => d.pairs);
    const head = await client.getBlock({ blockTag: 'latest' });
    return {
      eth: await Promise.all(holders.map((address) => client.getBalance({ address }))),
      tokens: await Promise.all(holders.map((holder) => Promise.all(deployment.tokens.map((t) => client.readContract({ address: t.address, abi: erc20Abi, functionName: 'balanceOf', args: [holder] }))))),
      reserves: await Promise.all(pairs.map((p) => client.readContract({ address: p.address, abi: uniswapV2PairAbi, functionName: 'getReserves' }))),
      feeds: await Promise.all(deployment.feeds.map((f) => client.readContract({ address: f.address, abi: priceFeedAbi, functionName: 'latestRoundData' }))),
      receipts: await Promise.all(
        hashes.map(async (hash) => {
          const r = await client.getTransactionReceipt({ hash });
          return { hash, block: r.blockNumber, status: r.status, gasUsed: r.gasUsed, effectiveGasPrice: r.effectiveGasPrice };
        }),
      ),
      maker: devnet.marketMaker.state(),
      head: { number: head.number, timestamp: head.timestamp },
    };
  }

  function start(log: Logger): Promise<Devnet> {
    return startDevnet({ dir, log, marketMaker: { intervalMs: 0, seed: 3 } });
  }

  before(async () => {
    const devnet = await start(recordingLog().log);
    try {
      const usdc = devnet.node.deployment.tokens.find((t) => t.symbol === 'USDC')!;
      hashes.push((await devnet.faucet.drip(user.address, 'ETH', parseEther('10'))).hash);
      hashes.push((await devnet.faucet.drip(user.address, 'USDC', parseUnits('500', 6))).hash);
      for (let i = 0; i < 15; i++) await devnet.marketMaker.step();
      // A person's own transactions, signed in their wallet and sent like any wallet would.
      const wallet = createWalletClient({ account: user, chain: devnetChain(devnet.node.deployment), transport: custom(devnet.node) });
      hashes.push(await wallet.sendTransaction({ to: usdc.address, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [friend, parseUnits('120', 6)] }) }));
      hashes.push(await wallet.sendTransaction({ to: friend, value: parseEther('1.5') }));
      for (let i = 0; i < 15; i++) await devnet.marketMaker.step();
      hashes.push((await devnet.faucet.drip(friend, 'WETH', parseEther('2'))).hash);
      // Market moves after the last transaction are only in the checkpoint written at close.
      for (let i = 0; i < 10; i++) await devnet.marketMaker.step();
      beforeClose = await picture(devnet);
    } finally {
      await devnet.close();
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('comes back with the same balances, transactions at their blocks, pool reserves and maker state', async () => {
    const { log, warnings } = recordingLog();
    const devnet = await start(log);
    try {
      const now = await picture(devnet);
      assert.deepEqual(warnings, [], 'a clean replay warns about nothing');
      assert.deepEqual(now.eth, beforeClose.eth);
      assert.deepEqual(now.tokens, beforeClose.tokens);
      assert.equal(now.tokens[1]![1], parseUnits('120', 6), 'the friend got the transferred USDC');
      assert.deepEqual(now.receipts, beforeClose.receipts);
      assert.ok(now.receipts.every((r) => r.status === 'success'));
      assert.deepEqual(now.reserves, beforeClose.reserves);
      assert.deepEqual(now.maker, beforeClose.maker);
      assert.ok(now.head.number > beforeClose.head.number, `head ${now.head.number} after ${beforeClose.head.number}`);
    } finally {
      await devnet.close();
    }
  });

  it('restarts its clock near now, never behind the wall clock or the old head', async () => {
    const devnet = await start(recordingLog().log);
    try {
      const payout = await devnet.faucet.drip(friend, 'ETH', parseEther('0.1'));
      const receipt = await devnet.node.client.getTransactionReceipt({ hash: payout.hash });
      const block = await devnet.node.client.getBlock({ blockNumber: receipt.blockNumber });
      const nowS = BigInt(Math.floor(Date.now() / 1000));
      // A busy devnet runs ahead of the wall clock (one second per block at least); a restart
      // must not add to that, nor fall back to the journal's old times.
      const latest = nowS > beforeClose.head.timestamp ? nowS : beforeClose.head.timestamp;
      assert.ok(block.timestamp >= nowS - 2n, `block time ${block.timestamp} vs now ${nowS}`);
      assert.ok(block.timestamp <= latest + 10n, `block time ${block.timestamp} vs max(now, old head) ${latest}`);
    } finally {
      await devnet.close();
    }
  });

  it('ignores a torn last line and rewrites the journal without it', async () => {
    const file = path.join(dir, 'journal.jsonl');
    appendFileSync(file, '{"t":"tx","hash":"0x12ab","raw":"0x02f8');
    const { log, warnings } = recordingLog();
    const devnet = await start(log);
    try {
      const now = await picture(devnet);
      assert.deepEqual(warnings, []);
      assert.deepEqual(now.tokens, beforeClose.tokens);
      assert.deepEqual(now.reserves, beforeClose.reserves);
      assert.deepEqual(now.receipts, beforeClose.receipts);
    } finally {
      await devnet.close();
    }
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.doesNotThrow(() => lines.forEach((l) => JSON.parse(l)));
  });

  it(
    'comes back with the price feeds as they were',
    async () => {
      const devnet = await start(recordingLog().log);
      try {
        assert.notDeepEqual(beforeClose.feeds.map((f) => f[0]), [1n, 1n], 'the maker updated a feed before the restart');
        assert.deepEqual((await picture(devnet)).feeds, beforeClose.feeds);
      } finally {
        await devnet.close();
      }
    },
  );
});

describe('a journal that cannot be replayed', () => {
  it('is set aside, not deleted, when it was recorded on another deployment version, and the devnet starts fresh', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mobius-replay-'));
    try {
      const oldMeta = { format: 1, version: `0x${'ab'.repeat(32)}`, chainId: DEVNET_CHAIN_ID, genesisTime: Date.now() - 60_000 };
      const oldJournal = `${JSON.stringify({ t: 'head', block: 500, timestamp: 1 })}\n`;
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(oldMeta));
      writeFileSync(path.join(dir, 'journal.jsonl'), oldJournal);
      const now = Date.now();
      const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
      const { log, warnings } = recordingLog();
      const node = await DevnetNode.start({ dir, log, now: () => now });
      try {
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, /set aside/);
        assert.equal(readFileSync(path.join(dir, `journal.jsonl.${stamp}.old`), 'utf8'), oldJournal);
        assert.deepEqual(JSON.parse(readFileSync(path.join(dir, `meta.json.${stamp}.old`), 'utf8')), oldMeta);
        const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { version: string; genesisTime: number };
        assert.equal(meta.version, deploymentVersion(DEVNET_CHAIN_ID));
        assert.equal(meta.genesisTime, now - 10 * 60_000, 'genesis ten minutes back, so deployment blocks stay behind the wall clock');
        assert.equal(readFileSync(path.join(dir, 'journal.jsonl'), 'utf8'), '');
        // Fresh: the old head (block 500) was not replayed, and the faucet has never sent.
        assert.ok((await node.client.getBlockNumber({ cacheTime: 0 })) < 500n);
        assert.equal(await node.client.getTransactionCount({ address: devnetKeys.faucet.account.address }), 0);
      } finally {
        await node.close();
      }
      assert.equal(readdirSync(dir).filter((f) => f.endsWith('.old')).length, 2);
      assert.ok(!existsSync(path.join(dir, 'devnet.pid')), 'close releases the lock');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
