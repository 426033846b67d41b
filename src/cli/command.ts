/** A subcommand of the `peppol-ap` command line. Each concern contributes its own in src/cli/commands/. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  /** Words that select it, e.g. ['validate'] or ['as4', 'inspect']. */
  name: string[];
  summary: string;
  usage: string;
  /** Resolves with the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}
