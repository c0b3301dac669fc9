import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { table } from '../core/reply.js';
import './services.js';

function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return [d && `${d}d`, (d || h) && `${h}h`, (d || h || m) && `${m}m`, `${s}s`].filter(Boolean).join(' ');
}

export const getStatus = defineCapability({
  name: 'get_status',
  summary: 'Shows the version, uptime and health of this Möbius instance and each of its dependencies.',
  input: z.object({}),
  examples: ['status', 'are you up', 'what version are you', 'uptime', 'health check', 'system status', 'ping', 'is everything working', 'are you working', 'bot status', 'are you online'],
  effect: 'read',
  async run(ctx) {
    const { appInfo, health } = ctx.services;
    const report = await health.run();
    const uptimeSeconds = Math.floor((Date.now() - appInfo.startedAt.getTime()) / 1000);
    const checks = Object.entries(report.checks);
    const down = checks.filter(([, c]) => c.status === 'down');
    const data = {
      version: appInfo.version,
      mode: appInfo.mode,
      database: appInfo.database,
      uptimeSeconds,
      status: report.status,
      checks: report.checks,
    };
    const headline =
      report.status === 'ready'
        ? down.length === 0
          ? '✅ All systems go.'
          : `✅ Ready, with ${down.length} optional ${down.length === 1 ? 'dependency' : 'dependencies'} down.`
        : `⚠️ Not ready: ${down.filter(([, c]) => c.required).map(([n]) => n).join(', ')} down.`;
    return {
      data,
      reply: {
        blocks: [
          { type: 'text', text: headline },
          table([
            ['version', appInfo.version],
            ['uptime', formatUptime(uptimeSeconds)],
            ['mode', `${appInfo.mode} (${appInfo.database})`],
            ...checks.map(([name, c]): [string, string] => [
              name,
              c.status === 'up' ? `up (${c.latencyMs} ms)` : `down${c.required ? '' : ' (optional)'}: ${c.error ?? ''}`,
            ]),
          ]),
        ],
      },
    };
  },
});
