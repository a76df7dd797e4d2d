// The Debug Adapter Protocol session: maps requests onto the runtime and the runtime's news onto events.
// No `vscode` import: it runs as `node dist/adapter.js` (stdio or --server=PORT) or inside the
// extension (new UprobeDebugSession() passed to a DebugAdapterInlineImplementation).
//
// Custom protocol for the extension's views:
//   event `xolState`       the XOL state (phase, probe, slot, bytes, fixups, scratch, changes) when it changes
//   request `xolState`     the same, now
//   event `uprobeTrace`    one trace line (probes from the launch configuration, logpoints)
//   request `uprobeList`   every probe: address, instruction, consumers, hits, state or refusal reason
//   request `disassemblySyntax` { syntax: 'att' | 'intel' } switches the disassembly syntax

import {
  DebugSession, LoggingDebugSession, InitializedEvent, StoppedEvent, OutputEvent, TerminatedEvent, ExitedEvent,
  BreakpointEvent, Event, Thread, Handles, Logger, logger, InvalidatedEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { UserError } from '../engine/errors';
import { Runtime, LaunchArgs, StopInfo, TraceLine } from './runtime';
import type { DebugBreakpoint, BreakpointSpec } from './breakpoints';
import type { XolStateBody } from './xolstate';
import {
  VarRef, stackTrace, scopes, variables, setVariable, readMemory, writeMemory, disassembleRequest, evaluate,
} from './inspect';

export interface UprobeLaunchArguments extends DebugProtocol.LaunchRequestArguments, LaunchArgs {
  /** Log the protocol to the console (adapter development). */
  trace?: boolean;
}

const THREAD_ID = 1;

/** What follows the last '/' (all of `p` if none): `p.split('/').pop()` without the array. */
const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Pace of guest output handed to the editor by the in-process adapter, in bytes a second. */
export const INLINE_RATE = 32 * 1024 * 1024;

export class UprobeDebugSession extends LoggingDebugSession {
  private rt: Runtime;
  private handles = new Handles<VarRef>();
  private configured = false;
  private onConfigured: Array<() => void> = [];
  private launched = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.rt = new Runtime({
      stopped: (s) => this.sendStopped(s),
      continued: () => { this.handles.reset(); },
      output: (category, text) => this.sendOutput(category, text),
      exited: (status) => this.sendEvent(new ExitedEvent(status)),
      terminated: () => this.sendEvent(new TerminatedEvent()),
      breakpointChanged: (bp) => this.sendEvent(new BreakpointEvent('changed', this.toDap(bp))),
      xolState: (body) => this.sendEvent(new Event('xolState', body)),
      trace: (line) => this.sendEvent(new Event('uprobeTrace', traceBody(line))),
      backlog: () => this.backlog(),
      whenDrained: (f) => this.whenDrained(f),
    });
  }

  // ---- flow control towards the client ---------------------------------------------------------
  // Over stdio or a socket, messages the client has not read yet wait in the stream's queue, which
  // grows without limit if written to faster than it is read. The runtime holds the guest while the
  // queue is long (see OUTPUT_HIGH_WATER in runtime.ts) and resumes it on 'drain'. In-process (the
  // extension's inline adapter) there is no stream to watch: guest output is then paced instead, at
  // most INLINE_RATE bytes a second on average (a token bucket whose debt counts as the backlog), so a
  // flooding guest is held rather than handing the editor more than it can be expected to take.

  private transport: NodeJS.WritableStream | null = null;
  private onDrain: (() => void) | null = null;
  /** In-process pacing: bytes sent and not yet paid for at INLINE_RATE, as of `debtAt`. */
  private debt = 0;
  private debtAt = 0;

  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    super.start(inStream, outStream);
    this.transport = outStream;
    outStream.on('drain', () => { const f = this.onDrain; this.onDrain = null; f?.(); });
  }

  /**
   * An output event. LoggingDebugSession.sendEvent serialises every event a second time for its
   * protocol log even when logging is off; for guest output, which can be gigabytes, that is skipped
   * and the log (with `trace: true`) gets one short line instead.
   */
  private sendOutput(category: string, text: string): void {
    logger.verbose(`To client: output event (${category}, ${text.length} characters)`);
    if (!this.transport) this.debt = this.inlineDebt() + text.length;
    DebugSession.prototype.sendEvent.call(this, new OutputEvent(text, category));
  }

  /** Bytes written to the transport and not yet handed to the OS (0 when unknown or closed). */
  private backlog(): number {
    if (!this.transport) return this.inlineDebt();
    const w = this.transport as NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean };
    if (w.destroyed) return 0;
    return w.writableLength ?? 0;
  }

  /** The in-process debt now (it is paid off at INLINE_RATE). */
  private inlineDebt(): number {
    const now = performance.now();
    this.debt = Math.max(0, this.debt - (now - this.debtAt) * INLINE_RATE / 1000);
    this.debtAt = now;
    return this.debt;
  }

  /** Call f when the backlog has drained: on 'drain' from the stream, or once the debt is paid. */
  private whenDrained(f: () => void): void {
    if (this.transport) { this.onDrain = f; return; }
    setTimeout(f, Math.ceil(this.inlineDebt() / INLINE_RATE * 1000));
  }

  /** The runtime (for in-process users such as tests and the extension's views). */
  get runtime(): Runtime { return this.rt; }

  // ---- lifecycle ------------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, _args: DebugProtocol.InitializeRequestArguments): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsBreakpointLocationsRequest: true,
      supportsInstructionBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsSteppingGranularity: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsValueFormattingOptions: false,
      supportsDelayedStackTraceLoading: true,
      exceptionBreakpointFilters: [
        { filter: 'faults', label: 'Faults', description: 'SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP raised by an instruction', default: true },
        { filter: 'fatal', label: 'Fatal signals', description: 'Signals whose default action ends the program', default: true },
        { filter: 'handled', label: 'Handled signals', description: 'Signals delivered to a handler the program installed', default: false },
      ],
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured = true;
    const waiting = this.onConfigured;
    this.onConfigured = [];
    this.sendResponse(response);
    for (const f of waiting) f();
  }

  private waitConfigured(ms: number): Promise<void> {
    if (this.configured) return Promise.resolve();
    return new Promise(resolve => {
      const t = setTimeout(resolve, ms);
      this.onConfigured.push(() => { clearTimeout(t); resolve(); });
    });
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: UprobeLaunchArguments): Promise<void> {
    // A client may send launch without arguments (or not an object): answer, never throw.
    if (!args || typeof args !== 'object') { this.fail(response, 'launch needs arguments (program)'); return; }
    logger.setup(args.trace ? Logger.LogLevel.Verbose : Logger.LogLevel.Stop, false);
    try {
      this.rt.launch(args);
    } catch (e) {
      if (e instanceof UserError) { this.fail(response, e.message); return; }
      this.fail(response, `internal error: ${(e as Error).message}`);
      return;
    }
    this.launched = true;
    // The program is loaded: now the client may set breakpoints (they resolve against its line table).
    this.sendEvent(new InitializedEvent());
    await this.waitConfigured(5000);
    this.sendResponse(response);
    if (args.stopOnEntry) this.rt.reportStop({ reason: 'entry', description: 'Paused at the program entry point' });
    else this.rt.continue();
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    const a = (args?.arguments as UprobeLaunchArguments | undefined) ?? this.rt.args ?? undefined;
    try {
      this.rt.restart(a);
    } catch (e) {
      this.fail(response, e instanceof UserError ? e.message : `internal error: ${(e as Error).message}`);
      return;
    }
    this.handles.reset();
    this.sendResponse(response);
    this.sendEvent(new InvalidatedEvent(['all']));
    if (a?.stopOnEntry) this.rt.reportStop({ reason: 'entry', description: 'Paused at the program entry point' });
    else this.rt.continue();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.rt.terminate();
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.rt.dispose();
    this.sendResponse(response);
    this.shutdown(); // ends a stdio adapter; ignored in server mode and in-process
  }

  // ---- breakpoints ----------------------------------------------------------------------------

  private toDap(bp: DebugBreakpoint): DebugProtocol.Breakpoint {
    const b: DebugProtocol.Breakpoint = { id: bp.id, verified: bp.verified };
    if (bp.message) b.message = bp.message;
    if (bp.spec.kind === 'source') {
      b.line = bp.line ?? bp.spec.line;
      if (bp.spec.path) b.source = { path: bp.spec.path, name: baseName(bp.spec.path) };
    } else if (bp.line !== undefined && bp.resolvedPath) {
      b.line = bp.line;
      const file = this.rt.displayPath(bp.resolvedPath);
      b.source = { path: file, name: baseName(file) };
    }
    if (bp.addresses.length) b.instructionReference = `0x${bp.addresses[0].toString(16)}`;
    return b;
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path ?? args.source.name ?? '';
    const req: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map(line => ({ line }));
    const specs: BreakpointSpec[] = req.map(b => ({
      kind: 'source' as const, path: file, line: this.convertClientLineToDebugger(b.line),
      condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
    }));
    const bps = this.rt.setBreakpoints('source', specs, file);
    response.body = { breakpoints: bps.map(b => this.toDap(b)) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const specs: BreakpointSpec[] = args.breakpoints.map(b => ({ kind: 'function' as const, name: b.name, condition: b.condition, hitCondition: b.hitCondition }));
    response.body = { breakpoints: this.rt.setBreakpoints('function', specs).map(b => this.toDap(b)) };
    this.sendResponse(response);
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    const specs: BreakpointSpec[] = args.breakpoints.map(b => ({
      kind: 'instruction' as const, instructionReference: b.instructionReference, offset: b.offset, condition: b.condition, hitCondition: b.hitCondition,
    }));
    response.body = { breakpoints: this.rt.setBreakpoints('instruction', specs).map(b => this.toDap(b)) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const f = new Set([...(args.filters ?? []), ...(args.filterOptions ?? []).map(o => o.filterId)]);
    this.rt.signalStops = { faults: f.has('faults'), fatal: f.has('fatal'), handled: f.has('handled') };
    this.sendResponse(response);
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    const lt = this.rt.lines;
    const f = lt.resolveFile(args.source.path ?? '');
    const from = this.convertClientLineToDebugger(args.line);
    const to = args.endLine !== undefined ? this.convertClientLineToDebugger(args.endLine) : from;
    const lines = f ? lt.linesWithCode(f).filter(l => l >= from && l <= to) : [];
    response.body = { breakpoints: lines.map(l => ({ line: this.convertDebuggerLineToClient(l) })) };
    this.sendResponse(response);
  }

  // ---- execution ------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const p = this.rt.p;
    response.body = { threads: [new Thread(THREAD_ID, p ? `${p.comm} (${p.pid})` : 'main')] };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.rt.continue();
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.rt.step('over', args.granularity ?? 'statement');
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    this.rt.step('in', args.granularity ?? 'statement');
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    this.rt.step('out', args.granularity ?? 'statement');
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendResponse(response);
    this.rt.pause();
  }

  private sendStopped(s: StopInfo): void {
    const e = new StoppedEvent(s.reason, THREAD_ID, s.text) as DebugProtocol.StoppedEvent;
    e.body.allThreadsStopped = true;
    if (s.description) e.body.description = s.description;
    if (s.hitBreakpointIds?.length) e.body.hitBreakpointIds = s.hitBreakpointIds;
    this.sendEvent(e);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const ex = this.rt.lastStop?.exception;
    if (!ex) { this.fail(response, 'not stopped by a signal'); return; }
    response.body = {
      exceptionId: ex.id, description: ex.description, breakMode: 'always',
      details: { message: ex.description, typeName: 'signal', fullTypeName: `${ex.id} (${ex.signal})` },
    };
    this.sendResponse(response);
  }

  // ---- inspection -----------------------------------------------------------------------------

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const r = stackTrace(this.rt, args.startFrame ?? 0, args.levels ?? 0);
    for (const f of r.frames) {
      if (f.line) f.line = this.convertDebuggerLineToClient(f.line);
    }
    response.body = { stackFrames: r.frames, totalFrames: r.total };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    response.body = { scopes: scopes(this.rt, args.frameId, r => this.handles.create(r)) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const ref = this.handles.get(args.variablesReference);
    response.body = { variables: ref ? variables(this.rt, ref, r => this.handles.create(r)) : [] };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const ref = this.handles.get(args.variablesReference);
    if (!ref) { this.fail(response, 'unknown variables reference'); return; }
    this.guard(response, () => {
      response.body = { value: setVariable(this.rt, ref, args.name, args.value) };
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const r = evaluate(this.rt, args.expression, args.context, ref => this.handles.create(ref));
      response.body = { result: r.result, variablesReference: r.variablesReference ?? 0, memoryReference: r.memoryReference, type: r.type };
    });
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => { response.body = readMemory(this.rt, args.memoryReference, args.offset ?? 0, args.count); });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const n = writeMemory(this.rt, args.memoryReference, args.offset ?? 0, args.data, args.allowPartial ?? false);
      response.body = { bytesWritten: n };
      this.sendEvent(new InvalidatedEvent(['variables']));
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.guard(response, () => {
      const ins = disassembleRequest(this.rt, args);
      for (const i of ins) if (i.line) i.line = this.convertDebuggerLineToClient(i.line);
      response.body = { instructions: ins };
    });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    switch (command) {
      case 'xolState':
        response.body = this.rt.p ? this.rt.xolState() : null;
        this.sendResponse(response);
        return;
      case 'uprobeList':
        response.body = { probes: this.rt.uprobeList() };
        this.sendResponse(response);
        return;
      case 'disassemblySyntax': {
        const s = (args as { syntax?: string } | undefined)?.syntax;
        if (s !== 'att' && s !== 'intel') { this.fail(response, "syntax is 'att' or 'intel'"); return; }
        this.rt.syntax = s;
        this.sendResponse(response);
        this.sendEvent(new InvalidatedEvent(['all']));
        return;
      }
    }
    super.customRequest(command, response, args);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 1, format: message, showUser: true, variables: {} });
  }

  private guard(response: DebugProtocol.Response, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.fail(response, e instanceof UserError ? e.message : `internal error: ${(e as Error).message}`);
      return;
    }
    this.sendResponse(response);
  }

  /** Whether a program has been launched in this session. */
  get isLaunched(): boolean { return this.launched; }
}

function traceBody(l: TraceLine): object {
  return { line: l.line, source: l.source, group: l.group, event: l.event, comm: l.comm, pid: l.pid, ts: l.ts, ip: l.ip, func: l.func, ret: l.ret, args: l.args };
}

export type { XolStateBody };
