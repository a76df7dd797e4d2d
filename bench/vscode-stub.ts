// A stand-in for the `vscode` module so that the extension's activate() can run in a bare Node process
// (bench/activation.ts). Every name is a stub: callable (returns another stub), constructible (an
// instance whose unknown members are stubs, and a class derived from a stub keeps its own methods),
// usable in a template string, iterable as an empty list, and not a thenable. The stub does no work,
// so what is timed is the extension's own cost: loading its bundle and running activate().


import * as fs from 'node:fs';

const NOTHING = function* (): Generator<never> { /* empty */ };

export function makeStub(name: string): any {
  const children = new Map<PropertyKey, unknown>();
  const target = function stub(): void { /* a stub does nothing */ } as unknown as { prototype: object };
  // What instances find on their prototype chain: their own members first, a stub for anything else.
  target.prototype = new Proxy({}, {
    get(t, k, receiver) {
      if (k in t) return Reflect.get(t, k, receiver);
      if (k === 'then') return undefined;
      return makeStub(`${name}#${String(k)}`);
    },
  });
  return new Proxy(target, {
    get(t, k, receiver) {
      if (k === 'then') return undefined;
      if (k === Symbol.toPrimitive) return () => name;
      if (k === Symbol.iterator) return NOTHING;
      if (k in t) return Reflect.get(t, k, receiver);
      let c = children.get(k);
      if (c === undefined) { c = makeStub(`${name}.${String(k)}`); children.set(k, c); }
      return c;
    },
    apply() { return makeStub(`${name}()`); },
    construct(t, args, newTarget) { return Reflect.construct(t as unknown as new () => object, args, newTarget); },
  });
}

/** The API's top-level names this extension uses (when @types/vscode is not installed to list them all). */
const USED = ['commands', 'debug', 'window', 'workspace', 'env', 'extensions', 'languages', 'Breakpoint', 'ConfigurationTarget',
  'DebugAdapterInlineImplementation', 'DebugConfigurationProviderTriggerKind', 'Disposable', 'EventEmitter', 'FunctionBreakpoint',
  'MarkdownString', 'OverviewRulerLane', 'Position', 'Range', 'SourceBreakpoint', 'ThemeColor', 'ThemeIcon', 'TreeItem',
  'TreeItemCollapsibleState', 'Uri', 'Location', 'Selection'];

/**
 * The module object: a plain object with one stub per top-level name of the API (bundlers copy a
 * module's own properties, so the names must be real properties). The names come from @types/vscode.
 */
export function stubModule(): Record<string, unknown> {
  let names = USED;
  try {
    const dts = fs.readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
    names = [...new Set([...USED, ...[...dts.matchAll(/^\s*export (?:namespace|class|enum|const|let|function) (\w+)/gm)].map(m => m[1])])];
  } catch { /* the short list */ }
  const root = makeStub('vscode');
  const mod: Record<string, unknown> = {};
  for (const n of names) Object.defineProperty(mod, n, { enumerable: true, get: () => root[n] });
  return mod;
}

/** A Memento that remembers nothing: every read gives the default. */
function memento(): object {
  return { get: (_k: string, d?: unknown) => d, update: () => Promise.resolve(), keys: () => [], setKeysForSync: () => undefined };
}

/** The ExtensionContext activate() is given. */
export function stubContext(extensionPath: string): any {
  const vscode = makeStub('context');
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath,
    extensionUri: vscode.Uri,
    workspaceState: memento(),
    globalState: memento(),
    storageUri: undefined,
    globalStorageUri: vscode.globalStorageUri,
    logUri: vscode.logUri,
    extensionMode: 1,
    asAbsolutePath: (p: string) => `${extensionPath}/${p}`,
  };
}
