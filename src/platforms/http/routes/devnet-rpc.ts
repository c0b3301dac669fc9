import type { FastifyInstance } from 'fastify';
import type { Deployment } from '../../../chain/devnet/deployment.js';
import type { Eip1193Provider } from '../../../chain/devnet/edr.js';
import { answerDevnetRpc, MAX_BATCH } from '../../../chain/devnet/rpc-gateway.js';

export interface DevnetRpcDeps {
  devnetRpc?: { provider: Eip1193Provider; deployment: Deployment };
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
        description: `Standard Ethereum methods for reads, gas and signed transactions; \`mobius_deployment\` returns the deployed addresses. Admin methods (hardhat_*, evm_*) and node-side signing are refused. Batches hold at most ${MAX_BATCH} requests.`,
        body: { type: ['object', 'array'] },
        security: [],
      },
    },
    async (request) => answerDevnetRpc(devnet.provider, devnet.deployment, request.body),
  );
}
