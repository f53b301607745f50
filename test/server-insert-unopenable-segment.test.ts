// Server placement: a segment file that cannot be opened (gone, too many open files…) must fail
// that insert, not the process. The read stream's own error used to arrive while the client was
// still connecting, with nothing listening: an uncaught 'error' event.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../store/config.js';
import { BatchRejectedError } from '../store/errors.js';
import { openStore } from '../store/store.js';
import { freePort } from './helpers/clickhouse-double-process.js';
import { newDataDir } from './helpers/collector-process.js';

describe('server placement insert of a segment that cannot be opened', () => {
  it('rejects the batch every time, and the process lives on', async () => {
    const dataDir = newDataDir();
    // Nothing listens there: the client is still connecting when the file fails to open.
    const store = openStore(loadConfig({}, { 'data-dir': dataDir, 'clickhouse-url': `http://127.0.0.1:${await freePort()}` }));
    try {
      for (let i = 0; i < 20; i++) {
        await expect(store.insertSegment(join(dataDir, 'queue', 'gone.rb'), `t${i}`)).rejects.toBeInstanceOf(BatchRejectedError);
      }
    } finally {
      await store.close();
    }
  });
});
