#!/usr/bin/env node
/**
 * The `peppol-ap` command line: picks the subcommand whose name words match the start of the arguments
 * (longest match wins, so `as4 inspect` beats `as4`) and exits with the code it returns.
 * Exit codes: 0 success, 1 the command's negative outcome (e.g. invalid document), 2 usage or unusable
 * input, 70 internal error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApError } from '../errors.js';
import type { CliCommand, CliIo } from './command.js';
import { commands } from './commands/index.js';

export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

const stdio: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

/** `help` is a command like the others, so `help help` and the command list know it. */
const HELP: Pick<CliCommand, 'name' | 'summary' | 'usage'> = {
  name: ['help'],
  summary: 'List the commands, or show the arguments of one',
  usage: 'help [command]',
};

function usage(list: CliCommand[]): string {
  const all = [...list, HELP];
  const width = Math.max(...all.map((c) => c.name.join(' ').length));
  return [
    'Usage: peppol-ap <command> [arguments]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `peppol-ap help <command>` for the arguments of one command.',
  ].join('\n');
}

function find(list: CliCommand[], args: string[]): CliCommand | undefined {
  let best: CliCommand | undefined;
  for (const c of list) {
    if (c.name.length <= args.length && c.name.every((w, i) => args[i] === w)) {
      if (!best || c.name.length > best.name.length) best = c;
    }
  }
  return best;
}

export async function runCli(args: string[], io: CliIo = stdio, list: CliCommand[] = commands): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    (args.length === 0 ? io.err : io.out)(usage(list));
    return args.length === 0 ? EXIT_USAGE : 0;
  }
  if (args[0] === 'help') {
    const c = args[1] === 'help' && args.length === 2 ? HELP : find(list, args.slice(1));
    if (args.length > 1 && !c) {
      io.err(`Unknown command: ${args.slice(1).join(' ')}\n\n${usage(list)}`);
      return EXIT_USAGE;
    }
    io.out(c ? `${c.summary}\n\nUsage: peppol-ap ${c.usage}` : usage(list));
    return 0;
  }
  const command = find(list, args);
  if (!command) {
    io.err(`Unknown command: ${args[0]}\n\n${usage(list)}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args.slice(command.name.length), io);
  } catch (err) {
    if (err instanceof ApError && (err.kind === 'config.invalid' || err.kind === 'api.bad-request')) {
      io.err(err.message);
      return EXIT_USAGE;
    }
    // An ApError's message is written for people; a stack only helps for the unexpected.
    const detail = err instanceof ApError && err.kind !== 'internal' ? `${err.spec.title}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.err(`${command.name.join(' ')} failed: ${detail}`);
    return EXIT_INTERNAL;
  }
}

const isEntry = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isEntry) {
  const code = await runCli(process.argv.slice(2));
  // Let stdout drain, then leave even if a library left a timer behind.
  process.stdout.write('', () => process.exit(code));
}
