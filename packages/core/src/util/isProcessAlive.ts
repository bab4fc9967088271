/**
 * Whether a process of this host is alive (for cleaning up after writers that died: staging
 * trees, running-operation records). A pid the system gave again to another process reads
 * alive, so what a dead process left is cleaned up late, never while its writer still runs.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
