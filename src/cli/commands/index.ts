import type { Command } from 'commander';
import * as model from './model.js';
import * as registerCommands from './register.js';
import * as render from './render.js';
import * as start from './start.js';
import * as storage from './storage.js';
import * as studioLink from './studioLink.js';
import * as submit from './submit.js';
import * as web from './web.js';
import * as worker from './worker.js';

/** Each CLI sub-command lives in its own file and registers itself on the root program (list it in ../commandList.ts too: main.ts loads from there). */
export interface CommandModule {
  register(program: Command): void;
}

export const commandModules: CommandModule[] = [render, submit, worker, web, start, registerCommands, model, storage, studioLink];
