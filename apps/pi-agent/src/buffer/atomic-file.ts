/**
 * Small state files (plan cache, token, queue watermarks) are replaced whole:
 * write a temp file, fsync it, rename over the old one, fsync the directory.
 * After a power cut the file is either the old or the new version, never half.
 */
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, contents: string | Buffer, options: { mode?: number } = {}): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', options.mode ?? 0o644);
  try {
    fs.writeSync(fd, typeof contents === 'string' ? Buffer.from(contents) : contents);
    if (options.mode !== undefined) fs.fchmodSync(fd, options.mode);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirectory(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown, options: { mode?: number } = {}): void {
  writeFileAtomic(file, JSON.stringify(value), options);
}

export function readJsonIfExists<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
