#!/usr/bin/env node
// Compiles src/ to dist/ with the native TypeScript compiler, then stamps the build so
// bin/mobius knows it is at least as new as the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const tsc = spawnSync(process.execPath, ['node_modules/tsgo/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
mkdirSync('dist', { recursive: true });
writeFileSync('dist/.build-complete', new Date().toISOString() + '\n');
