// Loads every syscall family so that its calls are registered.
import './fs';
import './mm';
import './proc';
import './time';
import './signal';
import './poll';
import './fsinfo';
import './tasks';
