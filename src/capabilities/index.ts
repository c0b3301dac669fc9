import type { AnyCapability } from '../core/capability.js';
import { getStatus } from './get-status.js';
import { help } from './help.js';

/** Every capability this build offers, in the order help lists them. */
export const capabilities: readonly AnyCapability[] = [help, getStatus];
