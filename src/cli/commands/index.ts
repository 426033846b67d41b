import type { CliCommand } from '../command.js';
import { artifacts } from './artifacts.js';
import { migrate } from './migrate.js';
import { serve } from './serve.js';
import { validate } from './validate.js';

export const commands: CliCommand[] = [serve, migrate, validate, artifacts];
