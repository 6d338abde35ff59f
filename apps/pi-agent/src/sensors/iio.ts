/**
 * Linux Industrial I/O (IIO) devices in sysfs: each /sys/bus/iio/devices/iio:deviceN
 * has a `name` file (dht11, mcp3008, ...) and one file per channel. Device numbers
 * depend on probe order, so we find devices by name unless one is configured.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export async function findIioDevice(base: string, name: string, device?: string): Promise<string | undefined> {
  if (device) return path.join(base, device);
  let entries: string[];
  try {
    entries = await fs.readdir(base);
  } catch {
    return undefined;
  }
  for (const entry of entries.filter((e) => e.startsWith('iio:device')).sort()) {
    try {
      const found = (await fs.readFile(path.join(base, entry, 'name'), 'utf8')).trim();
      if (found === name || found.startsWith(`${name}@`)) return path.join(base, entry);
    } catch {
      // A device without a readable name is not ours.
    }
  }
  return undefined;
}

/** Reads an integer sysfs attribute; throws with the errno (EIO, ETIMEDOUT) on failure. */
export async function readSysfsInt(file: string): Promise<number> {
  const text = (await fs.readFile(file, 'utf8')).trim();
  if (!/^-?\d+$/.test(text))
    throw Object.assign(new Error(`${file} holds ${JSON.stringify(text)}, not an integer`), { code: 'EBADVALUE' });
  return Number(text);
}
