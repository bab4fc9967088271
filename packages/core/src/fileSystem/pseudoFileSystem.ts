import { statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * Linux pseudo file systems by `statfs` magic number (linux/magic.h). Nothing can be stored in
 * them, and some make ordinary calls spin (Node's recursive mkdir never ends under /proc).
 */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
]);

/**
 * The name of the pseudo file system (`proc`, `sysfs`, …) that holds `location` or its nearest
 * existing ancestor, or `undefined` for an ordinary file system. For banks and restore targets:
 * refuse such a place with a coded error instead of hanging or failing half-way.
 */
export async function pseudoFileSystemOf(location: string): Promise<string | undefined> {
  let current = path.resolve(location);
  for (;;) {
    try {
      return PSEUDO_FILE_SYSTEMS.get(Number((await statfs(current)).type));
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}
