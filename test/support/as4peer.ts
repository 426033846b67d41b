/**
 * The independent Java AS4 peer (/work/shared/tools/as4peer, Apache Santuario + JCA) for the interop,
 * inbound and end-to-end tests: prerequisite check, build into a writable folder, one-shot runs and the
 * `serve` process.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const AS4PEER_DIR = process.env['AS4PEER_DIR'] ?? '/work/shared/tools/as4peer';
const XMLSEC_JAR = '/usr/share/java/xmlsec.jar';

/** Why the peer cannot run here (the suites skip with this reason printed), or null. */
export function as4peerMissing(): string | null {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return '`java` is not on the PATH';
  if (!existsSync(XMLSEC_JAR)) return `${XMLSEC_JAR} is missing (apt-get install libxml-security-java)`;
  if (!existsSync(join(AS4PEER_DIR, 'build.sh'))) return `${AS4PEER_DIR}/build.sh not found`;
  return null;
}

export interface As4Peer {
  /** Runs `As4Peer <args>`; stdout (with stderr on failure) and the exit code. */
  run(args: string[]): Promise<{ stdout: string; code: number }>;
  /** Starts a long-running `As4Peer <args>` (e.g. `serve`), output piped. */
  spawn(args: string[]): ChildProcess;
}

/** Builds the peer into `<dir>/build` (the tool directory is read-only; build.sh honours AS4PEER_BUILD). */
export async function buildAs4Peer(dir: string): Promise<As4Peer> {
  const build = join(dir, 'build');
  await run(join(AS4PEER_DIR, 'build.sh'), [], { env: { ...process.env, AS4PEER_BUILD: build } });
  const classpath = `${join(build, 'classes')}:${readFileSync(join(build, 'classpath'), 'utf8').trim()}`;
  return {
    async run(args) {
      try {
        const { stdout } = await run('java', ['-cp', classpath, 'As4Peer', ...args], { maxBuffer: 16 << 20 });
        return { stdout, code: 0 };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; code?: number };
        return { stdout: `${e.stdout ?? ''}${e.stderr ?? ''}`, code: e.code ?? -1 };
      }
    },
    spawn(args) {
      return spawn('java', ['-cp', classpath, 'As4Peer', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}
