// Boolean options set from the environment: commander takes a boolean option's
// variable as "on" whatever it says (MODFALLBACK_DEV=false would turn --dev on),
// so its value is read here, with the one parser every boolean uses.
import { InvalidArgumentError, type Command } from 'commander';
import { parseBoolean } from './parse.js';

/** A preAction hook: each boolean option that came from its variable gets the variable's value. */
export function readBooleanEnv(_program: Command, command: Command): void {
  for (const option of command.options) {
    const variable = option.envVar;
    const key = option.attributeName();
    if (!option.isBoolean() || variable === undefined || command.getOptionValueSource(key) !== 'env') continue;
    const text = process.env[variable] ?? '';
    try {
      command.setOptionValueWithSource(key, parseBoolean(text), 'env');
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      // Worded as commander words every other bad environment value.
      command.error(`error: option '${option.flags}' value '${text}' from env '${variable}' is invalid. ${error.message}`,
        { code: 'commander.invalidArgument', exitCode: 2 });
    }
  }
}
