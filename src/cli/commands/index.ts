/** Every command, in the order help lists them. Add a line here when adding a command file. */
import type { Command } from '../command.js';
import { completion } from './completion.js';
import { get } from './get.js';
import { groups } from './groups.js';
import { put } from './put.js';
import { retention } from './retention.js';
import { streams } from './streams.js';
import { tail } from './tail.js';

export const COMMANDS: readonly Command[] = [groups, streams, get, tail, put, retention, completion];
