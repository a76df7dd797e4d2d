// Loads every instruction family so that their handlers are registered before the first decode.
import './ops/alu';
import './ops/move';
import './ops/control';
import './ops/system';
