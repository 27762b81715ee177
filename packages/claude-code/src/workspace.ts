/**
 * The workspace's git facts (remote URL, branch, commit) read from `.git` files directly:
 * the session start runs in a hook process, and three `git` child processes would cost more
 * than the rest of the hook.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Git facts of a workspace. */
export interface GitFacts {
  readonly remoteUrl?: string;
  readonly branch?: string;
  readonly revision?: string;
}

function findGitDir(start: string): string | undefined {
  let directory = resolve(start);
  for (let depth = 0; depth < 64; depth += 1) {
    const candidate = join(directory, '.git');
    try {
      const stats = statSync(candidate);
      if (stats.isDirectory()) return candidate;
      // A worktree or submodule: `.git` is a file naming the real git directory.
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(candidate, 'utf8'));
      if (pointer) return resolve(directory, pointer[1]!.trim());
    } catch {
      // Not here: try the parent.
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
  return undefined;
}

/** A remote URL without credentials (`https://user:token@host/x` → `https://host/x`). */
export function stripUrlCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url; // scp-style `git@host:org/repo.git` carries no secret.
  }
}

/** The remote URL, branch and commit of the git repository containing `cwd`, when there is one. */
export function readGitFacts(cwd: string): GitFacts {
  const gitDir = findGitDir(cwd);
  if (!gitDir) return {};
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  // Worktrees keep config and refs in the common directory.
  const commonDir = (() => {
    const pointer = read(join(gitDir, 'commondir'))?.trim();
    return pointer ? resolve(gitDir, pointer) : gitDir;
  })();
  const head = read(join(gitDir, 'HEAD'))?.trim();
  let branch: string | undefined;
  let revision: string | undefined;
  if (head?.startsWith('ref: ')) {
    const ref = head.slice(5).trim();
    branch = ref.replace(/^refs\/heads\//, '');
    revision =
      read(join(gitDir, ref))?.trim() ??
      read(join(commonDir, ref))?.trim() ??
      new RegExp(`^([0-9a-f]{40})\\s+${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(
        read(join(commonDir, 'packed-refs')) ?? '',
      )?.[1];
  } else if (head && /^[0-9a-f]{40}$/.test(head)) {
    revision = head;
  }
  const config = read(join(commonDir, 'config')) ?? '';
  const origin =
    /\[remote "origin"\]([^[]*)/.exec(config) ?? /\[remote "[^"]+"\]([^[]*)/.exec(config);
  const url = origin ? /^\s*url\s*=\s*(.+)$/m.exec(origin[1]!)?.[1]?.trim() : undefined;
  return {
    ...(url ? { remoteUrl: stripUrlCredentials(url) } : {}),
    ...(branch ? { branch } : {}),
    ...(revision && /^[0-9a-f]{40}$/.test(revision) ? { revision } : {}),
  };
}
