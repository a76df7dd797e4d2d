// Entry point of dist/cli.js.
import { tuneV8ForBlocks } from '../cpu/jit/tiering';
import { main } from '../cli';

tuneV8ForBlocks();
process.exitCode = main(process.argv.slice(2));
