// The long fuzz runner's configuration (`npm run fuzz`): FUZZ_SECONDS and FUZZ_SEED are honoured and
// bad values refused. (Importing it here also keeps fuzz/run.ts compiled with the tests.)

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fuzzEnv } from '../fuzz/run';

test('fuzz runner: FUZZ_SECONDS and FUZZ_SEED', () => {
  assert.deepEqual([fuzzEnv({ FUZZ_SECONDS: '12', FUZZ_SEED: '77' }).seconds, fuzzEnv({ FUZZ_SECONDS: '12', FUZZ_SEED: '77' }).seed], [12, 77]);
  assert.equal(fuzzEnv({}).seconds, 300);
  assert.throws(() => fuzzEnv({ FUZZ_SECONDS: 'x' }));
  assert.throws(() => fuzzEnv({ FUZZ_SECONDS: '-1' }));
});
