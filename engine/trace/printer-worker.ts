// Entry of the trace printer thread (printer-thread.ts starts it): prints the batches it is handed with
// a TracePrinter and writes them to the trace's file descriptor. After a failed write it reports the
// error once and drops the rest (the recording thread throws it at its next hand-over or flush).

import { workerData } from 'node:worker_threads';
import { TracePrinter } from './printer';
import { writeFully } from './fdwrite';
import { ST_DONE, ST_FAILED, ST_READY } from './printer-thread';
import type { FromPrinter, PrinterData, ToPrinter } from './printer-thread';

const { fd, json, port, state } = workerData as PrinterData;
const printer = new TracePrinter((b, n) => writeFully(fd, b, n), json);
let failed = false;

port.on('message', (m: ToPrinter) => {
  if (!failed) {
    try {
      switch (m.t) {
        case 'event': printer.events[m.id] = m.ev; break;
        case 'records': {
          const b = m.batch;
          printer.print(b);
          const back: FromPrinter = { t: 'buffers', ints: b.ints, nums: b.nums, arena: b.arena };
          port.postMessage(back, [b.ints.buffer, b.nums.buffer, b.arena.buffer] as ArrayBuffer[]);
          break;
        }
        case 'text': printer.text(m.s); break;
        case 'flush': printer.flush(); break;
      }
    } catch (e) {
      failed = true;
      const err: FromPrinter = { t: 'error', message: e instanceof Error ? e.message : String(e), code: (e as NodeJS.ErrnoException).code };
      port.postMessage(err);
      Atomics.store(state, ST_FAILED, 1);
    }
  }
  Atomics.add(state, ST_DONE, 1);
  Atomics.notify(state, ST_DONE);
});
Atomics.store(state, ST_READY, 1);
Atomics.notify(state, ST_READY);

