/**
 * Scrubbing of secret values from text: the last line of defence behind schema-based redaction
 * (docs/protocol.md, "Errors and exit codes").
 *
 * A service that echoes a request (a Keystone or proxy that puts the body in its error) or a URL
 * with a password in it (`https://user:pass@host`) would otherwise carry a secret into a message.
 * Hosts scrub every line they print or log and every error they record; providers register the
 * values of their configuration fields marked `secret: true` when they are assembled.
 */

/** Secrets shorter than this are not scrubbed from free text (they would erase ordinary words). */
export const MIN_SCRUBBED_SECRET_LENGTH = 4;
/** What a scrubbed secret becomes. */
export const SCRUBBED = '***';

// scheme://user:password@ → scheme://user:***@ (the password part only; a user name is not secret).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*):[^\s/?#@'"]*@/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A set of secret values and the scrubbing of them from text and JSON values. */
export class SecretScrubber {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Adds a secret: its text, its JSON-escaped and its URL-encoded spellings are scrubbed. */
  add(secret: string): void {
    if (secret.length < MIN_SCRUBBED_SECRET_LENGTH) return;
    for (const spelling of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
      if (!this.values.has(spelling)) {
        this.values.add(spelling);
        this.pattern = undefined;
      }
    }
  }

  /** `text` with URL passwords and every registered secret replaced by `***`. */
  scrub(text: string): string {
    let out = text.replace(URL_USERINFO, `$1:${SCRUBBED}@`);
    if (this.values.size === 0) return out;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    out = out.replace(this.pattern, SCRUBBED);
    return out;
  }

  /** A copy of a JSON-like value with every string (and object key) scrubbed. */
  scrubValue<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (depth > 64 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => this.scrubValue(item, depth + 1)) as T;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value))
      out[this.scrub(key)] = this.scrubValue(child, depth + 1);
    return out as T;
  }
}

/** The process's secrets: what every provider assembled in this process registered. */
export const processSecrets = new SecretScrubber();

/** Registers a secret value with the process (providers do it for their `secret: true` fields). */
export function registerSecret(secret: string): void {
  processSecrets.add(secret);
}

/** `text` with every secret the process knows, and every URL password, replaced by `***`. */
export function scrubSecrets(text: string): string {
  return processSecrets.scrub(text);
}
