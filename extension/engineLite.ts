// The few engine parts the extension uses without a debug session (loaded on demand, never at
// activation): the uprobe_events parser, and ELF + DWARF line tables to turn a source line into a file
// offset. None of them loads iced-x86.

export { parseCommand, TraceError } from '../engine/trace';
export type { Command, EventDef } from '../engine/trace';
export { ElfFile } from '../engine/elf/elf';
export { LineTable } from '../engine/dwarf';
