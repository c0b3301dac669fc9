import type { FastifyInstance } from 'fastify';
import type { Deployment } from '../../../chain/devnet/deployment.js';
import type { Eip1193Provider } from '../../../chain/devnet/edr.js';
import { answerDevnetRpc, MAX_BATCH, type DevnetAdmin } from '../../../chain/devnet/rpc-gateway.js';

export interface DevnetRpcDeps {
  loopbackOnly: boolean;
  devnetRpc?: { provider: Eip1193Provider; deployment: Deployment; admin?: DevnetAdmin };
}

/**
 * `POST /rpc/devnet`: the devnet's JSON-RPC for wallets (MetaMask: chain id 31337), `cast`, and
 * other Möbius instances (RPC_URL_DEVNET). Open like any public testnet RPC: the devnet holds
 * nothing of value and the gateway only exposes what a public node would.
 */
export function registerDevnetRpcRoute(app: FastifyInstance, deps: DevnetRpcDeps): void {
  const devnet = deps.devnetRpc;
  if (!devnet) return;
  app.post(
    '/rpc/devnet',
    {
      schema: {
        tags: ['devnet'],
        summary: 'JSON-RPC 2.0 of the built-in devnet (single request or a batch)',
        description: `Standard Ethereum methods for reads, gas and signed transactions; \`mobius_deployment\` returns the deployed addresses. Admin methods (hardhat_*, evm_*) and node-side signing are refused. On a loopback-only server, \`mobius_marketMaker\` with \`[{action: status|pause|resume|step}]\` controls the market-maker. Batches hold at most ${MAX_BATCH} requests.`,
        body: { type: ['object', 'array'] },
        security: [],
      },
    },
    // Pausing the market is for the machine's owner: offered only when the server listens on loopback.
    async (request) => answerDevnetRpc(devnet.provider, devnet.deployment, request.body, deps.loopbackOnly ? devnet.admin : undefined),
  );
}
