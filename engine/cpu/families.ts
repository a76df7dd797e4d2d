// Loads every instruction family so that their handlers are registered before the first decode.
import './ops/alu';
import './ops/move';
import './ops/control';
import './ops/system';
import './ops/shift';
import './ops/muldiv';
import './ops/bits';
import './ops/sse-move';
import './ops/sse-int';
import './ops/sse-fp';
import './ops/string';
import './ops/atomic';
import './ops/misc';
import './ops/x87';
