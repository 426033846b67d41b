import type { CliCommand } from '../command.js';
import { as4Inspect } from './as4-inspect.js';
import { as4VerifyReceipt } from './as4-verify-receipt.js';
import { archive } from './archive.js';
import { artifacts } from './artifacts.js';
import { lookup } from './lookup.js';
import { migrate } from './migrate.js';
import { participants } from './participants.js';
import { keys, mandates, tenants } from './tenants.js';
import { consoleUsers } from './console-users.js';
import { sbdhCheck } from './sbdh-check.js';
import { pkiCheck } from './pki-check.js';
import { render } from './render.js';
import { serve } from './serve.js';
import { smpVerify } from './smp-verify.js';
import { validate } from './validate.js';
import { report } from './report.js';

export const commands: CliCommand[] = [serve, migrate, validate, render, artifacts, pkiCheck, lookup, smpVerify, sbdhCheck, participants, tenants, keys, mandates, consoleUsers, as4Inspect, as4VerifyReceipt, report, archive];
