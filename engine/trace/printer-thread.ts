// The trace printer in a thread of its own: TraceBatch hands it whole batches of raw records (their
// buffers moved, not copied) and goes on with the guest while the worker (printer-worker.ts) prints
// and writes them, as the kernel's traced task goes on while a reader formats its ring buffer. Order is
// kept: everything goes through one message queue, and a flush waits until the worker has written
// everything posted before it (the CLI flushes before the guest writes to the same stream, and at the
// end). At most MAX_IN_FLIGHT batches (about 300 KiB each) wait in the queue; past that the recording
// thread waits.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { PrintEvent, RecordBatch } from './printer';

/** Slots of the state shared with the worker (an Int32Array over a SharedArrayBuffer). */
export const ST_READY = 0, ST_DONE = 1, ST_FAILED = 2;

/** Messages to the worker, in order. */
export type ToPrinter =
  | { t: 'event'; id: number; ev: PrintEvent }
  | { t: 'records'; batch: RecordBatch }
  | { t: 'text'; s: string }
  | { t: 'flush' };

/** Messages back: a batch's buffers to reuse, or the error that stopped the worker (a failed write). */
export type FromPrinter =
  | { t: 'buffers'; ints: Int32Array; nums: Float64Array; arena: Uint8Array }
  | { t: 'error'; message: string; code?: string };

/** What the worker is started with. */
export interface PrinterData { fd: number; json: boolean; port: MessagePort; state: Int32Array }

const MAX_IN_FLIGHT = 32;
/** How long to wait for a worker that has not started before giving up on it (ms). */
const START_TIMEOUT = 30_000;
/** The worker's script: beside this module (out/engine/trace) or beside the bundle (dist/). */
const SCRIPT = path.join(__dirname, 'printer-worker.js');

export class PrinterThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly state = new Int32Array(new SharedArrayBuffer(16));
  private posted = 0;
  /** Whether anything was posted since the last flush (the worker may hold unwritten bytes). */
  private dirty = false;
  private readonly spare: { ints: Int32Array; nums: Float64Array; arena: Uint8Array }[] = [];
  private error: Error | null = null;

  /** A printer thread writing to fd (JSON lines if `json`), or null where none can be started (no worker script). */
  static start(fd: number, json: boolean, wrapError: (e: Error) => Error = (e) => e): PrinterThread | null {
    if (!fs.existsSync(SCRIPT)) return null;
    try { return new PrinterThread(fd, json, wrapError); } catch { return null; }
  }

  /** `wrapError` turns the worker's error (e.g. a failed write, with its errno code) into what is thrown. */
  private constructor(fd: number, json: boolean, private readonly wrapError: (e: Error) => Error) {
    const { port1, port2 } = new MessageChannel();
    const data: PrinterData = { fd, json, port: port2, state: this.state };
    this.worker = new Worker(SCRIPT, { workerData: data, transferList: [port2], stdout: false, stderr: false });
    // Neither keeps the process alive: the recording thread flushes (and waits) before it ends.
    this.worker.unref();
    this.port = port1;
    this.port.unref();
  }

  /** Whether the worker runs (it takes some tens of milliseconds to start). */
  get ready(): boolean { return Atomics.load(this.state, ST_READY) === 1; }

  /** Wait until the worker runs. */
  waitReady(): void {
    const t0 = Date.now();
    while (!this.ready) {
      Atomics.wait(this.state, ST_READY, 0, 100);
      if (Date.now() - t0 > START_TIMEOUT) throw this.wrapError(new Error('the trace printer thread did not start'));
    }
  }

  event(id: number, ev: PrintEvent): void { this.post({ t: 'event', id, ev }); }

  /** Hand over a batch; its buffers belong to the worker from now on. */
  records(batch: RecordBatch): void {
    this.post({ t: 'records', batch }, [batch.ints.buffer, batch.nums.buffer, batch.arena.buffer]);
  }

  text(s: string): void { this.post({ t: 'text', s }); }

  /** Wait until everything handed over so far is written. */
  flush(): void {
    if (!this.dirty) return;
    this.post({ t: 'flush' });
    this.waitFor(this.posted);
    this.dirty = false;
  }

  /** Buffers of a printed batch, to record the next one in, if one has come back. */
  takeBuffers(): { ints: Int32Array; nums: Float64Array; arena: Uint8Array } | undefined {
    if (this.spare.length === 0) this.poll();
    return this.spare.pop();
  }

  private post(m: ToPrinter, transfer?: ArrayBufferLike[]): void {
    this.check();
    if (this.posted - Atomics.load(this.state, ST_DONE) >= MAX_IN_FLIGHT) this.waitFor(this.posted - MAX_IN_FLIGHT + 1);
    this.port.postMessage(m, transfer as ArrayBuffer[] | undefined);
    this.posted++;
    this.dirty = true;
  }

  /** Block until the worker has handled `n` messages. */
  private waitFor(n: number): void {
    const st = this.state;
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(st, ST_DONE);
      if (done >= n || Atomics.load(st, ST_FAILED)) break;
      Atomics.wait(st, ST_DONE, done, 1000);
      if (!this.ready && Date.now() - t0 > START_TIMEOUT) {
        this.error = new Error('the trace printer thread did not start');
        break;
      }
    }
    this.check();
  }

  /** Throw the worker's error, if it stopped on one. */
  private check(): void {
    if (this.error === null && Atomics.load(this.state, ST_FAILED)) {
      this.poll();
      this.error ??= new Error('the trace printer thread failed');
    }
    if (this.error !== null) throw this.wrapError(this.error);
  }

  private poll(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const msg = m.message as FromPrinter;
      if (msg.t === 'buffers') this.spare.push(msg);
      else this.error ??= Object.assign(new Error(msg.message), { code: msg.code });
    }
  }
}
