import type { CoreDeps } from '../core/use-cases/deps.js';
import type { Scope } from '../core/types.js';

/** What an operation handler gets for one request. */
export interface RequestContext {
  readonly requestId: string;
  readonly scope: Scope;
  readonly deps: CoreDeps;
  readonly accessKeyId?: string;
}

/**
 * One CloudWatch Logs operation: the dispatcher validates the input against the service model,
 * then calls handle() with the parsed body; the result is the JSON response body.
 */
export interface OperationHandler<I = never> {
  readonly name: string;
  handle(ctx: RequestContext, input: I): Promise<object>;
}

export function defineOperation<I>(name: string, handle: (ctx: RequestContext, input: I) => Promise<object>): OperationHandler<I> {
  return { name, handle };
}
