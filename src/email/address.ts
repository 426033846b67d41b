/**
 * E-mail addresses as this channel accepts them: one mailbox `local@domain` (RFC 5321 §4.1.2 dot-atom local
 * part, a DNS domain with at least one dot, or a bracketed address literal refused), at most 254 characters.
 * Stricter than RFC 5322 on purpose: an address read from an invoice is sent to by a machine, and a quoted
 * local part or a comment is more often a typing error than a real mailbox.
 */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function isValidAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  const labels = address.slice(at + 1).split('.');
  return LOCAL.test(address.slice(0, at)) && labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
}
