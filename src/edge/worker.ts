// The Worker: a standard fetch handler over the same pure core as the Node
// server. Its variables are read once per isolate; a bad one makes every
// request answer 500 with the one line that says what is wrong.
import { plainError } from '../core/answer.js';
import { createEdgeHandler, toResponse, type EdgeHandler } from './handler.js';
import { readSettings } from './settings.js';

const handlers = new WeakMap<object, EdgeHandler>();

function handlerFor(env: Readonly<Record<string, unknown>>): EdgeHandler {
  let handler = handlers.get(env);
  if (handler === undefined) {
    const result = readSettings(env);
    if (result.ok) {
      handler = createEdgeHandler(result.settings);
    } else {
      const line = `modfallback: ${result.problem}`;
      console.error(JSON.stringify({ msg: 'bad configuration', error: line }));
      const answer = plainError('misconfigured', line);
      handler = (request) => Promise.resolve(toResponse(answer, request.method));
    }
    handlers.set(env, handler);
  }
  return handler;
}

export default {
  fetch(request: Request, env: Readonly<Record<string, unknown>>): Promise<Response> {
    return handlerFor(env)(request);
  },
};
