import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { crc32, createDeflateRaw } from 'node:zlib';

/** An entry of a zip written by writeZip: its name and its bytes, given as chunks so they may be large. */
export interface ZipEntrySpec {
  name: string;
  chunks: () => Iterable<Buffer>;
  /** the inflated size the headers declare, when it should lie (a zip bomb hiding its size); default the true one */
  declaredSize?: number;
  /** Unix file mode, written as a Unix zip tool does (0o120777: a symbolic link whose bytes are its target) */
  unixMode?: number;
}

/** Deflates an entry's chunks as they come (the compressed bytes are kept, never the inflated ones). */
async function deflate(spec: ZipEntrySpec): Promise<{ data: Buffer; crc: number; size: number }> {
  const deflater = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(deflater, 'end');
  let crc = 0;
  let size = 0;
  for (const chunk of spec.chunks()) {
    crc = crc32(chunk, crc);
    size += chunk.length;
    if (!deflater.write(chunk)) await once(deflater, 'drain');
  }
  deflater.end();
  await ended;
  return { data: Buffer.concat(out), crc, size };
}

/** Writes a plain (no zip64) zip of deflated entries, names flagged UTF-8, as phones share exports. */
export async function writeZip(file: string, entries: readonly ZipEntrySpec[]): Promise<void> {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const { data, crc, size: trueSize } = await deflate(spec);
    const size = spec.declaredSize ?? trueSize;
    const name = Buffer.from(spec.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    // version made by: its high byte 3 says Unix, whose mode the external attributes' high half holds
    header.writeUInt16LE(spec.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    if (spec.unixMode !== undefined) header.writeUInt32LE((spec.unixMode << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    central.push(header, name);
    offset += local.length + name.length + data.length;
  }
  const centralBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(file, Buffer.concat([...locals, centralBytes, end]));
}
