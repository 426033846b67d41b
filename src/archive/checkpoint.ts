/**
 * Signed checkpoints of the archive chain: a short text naming a position and its entry hash, signed
 * with our AP key (RSA PKCS#1 v1.5, SHA-256), kept with the AP certificate, so that anyone holding that
 * certificate can check that the chain up to there is the one we had then (and we cannot rewrite it
 * later without a new signature that contradicts the old one).
 */
import { sign, verify, X509Certificate, type KeyObject } from 'node:crypto';

export interface Checkpoint {
  seq: number;
  entryHash: string;
  signedAt: string;
  statement: string;
  /** Base64. */
  signature: string;
  /** PEM. */
  certificate: string;
}

export function checkpointStatement(seq: number, entryHash: string, signedAt: Date, signer: string): string {
  return `peppol-ap archive checkpoint v1\nseq: ${seq}\nentry-hash: ${entryHash}\nsigned-at: ${signedAt.toISOString()}\nsigner: ${signer}\n`;
}

export function signCheckpoint(seq: number, entryHash: string, signedAt: Date, key: { privateKey: KeyObject; certificate: X509Certificate }): Checkpoint {
  const signer = key.certificate.subject.replace(/\n/g, ', ');
  const statement = checkpointStatement(seq, entryHash, signedAt, signer);
  return {
    seq,
    entryHash,
    signedAt: signedAt.toISOString(),
    statement,
    signature: sign('sha256', Buffer.from(statement, 'utf8'), key.privateKey).toString('base64'),
    certificate: key.certificate.toString(),
  };
}

/**
 * Why the checkpoint does not hold, or null when it does: its statement names its seq and hash, and the
 * signature verifies under `certificate` (by default the one it carries; pass the AP certificate you
 * trust to check that it is ours).
 */
export function checkpointProblem(c: Checkpoint, certificate?: X509Certificate): string | null {
  const lines = c.statement.split('\n');
  if (lines[0] !== 'peppol-ap archive checkpoint v1' || lines[1] !== `seq: ${c.seq}` || lines[2] !== `entry-hash: ${c.entryHash}`) {
    return `checkpoint ${c.seq}: its statement does not name seq ${c.seq} and hash ${c.entryHash}`;
  }
  let cert: X509Certificate;
  try {
    cert = certificate ?? new X509Certificate(c.certificate);
  } catch {
    return `checkpoint ${c.seq}: its certificate cannot be read`;
  }
  const ok = verify('sha256', Buffer.from(c.statement, 'utf8'), cert.publicKey, Buffer.from(c.signature, 'base64'));
  return ok ? null : `checkpoint ${c.seq}: the signature does not verify under ${cert.subject.replace(/\n/g, ', ')}`;
}
