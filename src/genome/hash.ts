/**
 * The digest behind every canonical hash: SHA-256 of a canonical text, as 16 hex digits (64 bits).
 */
import { createHash } from 'node:crypto';

/** Length in hex digits of every genome hash. */
export const HASH_HEX_DIGITS = 16;

/** SHA-256 of `text`, truncated to HASH_HEX_DIGITS hex digits. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_HEX_DIGITS);
}
