import type { ErrorCode } from '../errors/codes.js';
import { HoardError } from '../errors/HoardError.js';

/** One `key = value` line of an INI file. */
export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

/** One `[section]` of an INI file. */
export interface IniSection {
  name: string;
  line: number;
  entries: IniEntry[];
}

/**
 * Parses the INI dialect of Karbor's provider files (oslo.config).
 *
 * @remarks Hand-written because the npm INI parsers drop what Hoard needs: repeated keys
 * (`plugin =` once per plugin, order kept) and the line of every key for error messages.
 * Supports `[section]`, `key = value` or `key: value`, `#` and `;` comment lines, and
 * indented continuation lines (appended with a newline, as oslo.config does).
 * Hosts read their own INI files with it too (`hoard serve`'s `hoard.conf`), naming their own
 * error code.
 * @throws `errorCode` (default `PROVIDER_CONFIG_INVALID`) with file and line on a malformed line
 */
export function parseIni(
  text: string,
  file: string,
  errorCode: Extract<ErrorCode, `${string}_CONFIG_INVALID`> = 'PROVIDER_CONFIG_INVALID',
): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let last: IniEntry | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last !== undefined) {
      last.value = last.value === '' ? trimmed : `${last.value}\n${trimmed}`;
      return;
    }
    const header = /^\[([^\]]*)\]$/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim();
      if (name === '')
        throw new HoardError(errorCode, `${file}:${line}: empty section name`, {
          file,
          line,
        });
      current = sections.find((s) => s.name === name);
      if (current === undefined) {
        current = { name, line, entries: [] };
        sections.push(current);
      }
      last = undefined;
      return;
    }
    const match = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!match) {
      throw new HoardError(
        errorCode,
        `${file}:${line}: expected "key = value" or "[section]", got ${JSON.stringify(trimmed.slice(0, 80))}`,
        {
          file,
          line,
        },
      );
    }
    if (current === undefined) {
      throw new HoardError(errorCode, `${file}:${line}: key '${match[1]}' is outside any [section]`, {
        file,
        line,
      });
    }
    last = { key: match[1]!, value: match[2]!, line };
    current.entries.push(last);
  });
  return sections;
}
