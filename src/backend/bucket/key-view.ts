import { Transform } from 'node:stream';
import type { KeyInfo, KeyView, OpenedKey } from '../store/key-view.js';
import { isStoreKey } from '../store/layout.js';
import type { Bucket } from './client.js';

/** Bodies under this size are read whole and written with one PUT; larger ones are streamed. */
const SMALL = 1024 * 1024;

/**
 * A bucket store as keys: the objects under its prefix. A small body is written with one PUT; a
 * larger one is streamed (a multipart upload above the bucket's threshold), never whole in memory.
 */
export class BucketKeys implements KeyView {
  readonly name: string;

  constructor(private readonly bucket: Bucket) {
    this.name = bucket.name;
  }

  async *list(): AsyncIterable<KeyInfo> {
    for await (const object of this.bucket.list('')) {
      // Probes, folder placeholders (`x/`) and what other tools put beside the store are not its keys.
      if (!isStoreKey(object.key)) continue;
      yield { key: object.key, size: object.size, modified: object.lastModified };
    }
  }

  async open(key: string): Promise<OpenedKey | undefined> {
    const opened = await this.bucket.open(key);
    return opened && { key, size: opened.size, modified: opened.lastModified, stream: opened.stream };
  }

  async write(from: OpenedKey): Promise<void> {
    if (from.size >= SMALL) {
      const body = exactly(from.key, from.size);
      from.stream.on('error', (error) => body.destroy(error));
      await this.bucket.upload(from.key, from.stream.pipe(body), from.size);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of from.stream as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    if (body.length !== from.size) throw new Error(`${from.key}: read ${body.length} bytes of ${from.size}`);
    await this.bucket.put(from.key, body);
  }

  close(): void {
    this.bucket.close();
  }
}

/** Passes `size` bytes through, and fails a body that ends short or runs long, so no cut body is stored. */
function exactly(key: string, size: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > size ? new Error(`${key}: more than ${size} bytes`) : null, chunk);
    },
    flush(done) {
      done(seen === size ? null : new Error(`${key}: read ${seen} bytes of ${size}`));
    },
  });
}
