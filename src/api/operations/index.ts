/** Dispatch: operation name -> handler. Add a line here when adding an operation file. */
import type { OperationHandler } from '../context.js';
import createLogGroup from './create-log-group.js';
import createLogStream from './create-log-stream.js';
import deleteLogGroup from './delete-log-group.js';
import deleteLogStream from './delete-log-stream.js';
import deleteRetentionPolicy from './delete-retention-policy.js';
import describeLogGroups from './describe-log-groups.js';
import describeLogStreams from './describe-log-streams.js';
import filterLogEvents from './filter-log-events.js';
import getLogEvents from './get-log-events.js';
import listLogGroups from './list-log-groups.js';
import { deleteMetricFilter, describeMetricFilters, putMetricFilter, testMetricFilter } from './metric-filters.js';
import putLogEvents from './put-log-events.js';
import putRetentionPolicy from './put-retention-policy.js';
import { listTagsForResource, listTagsLogGroup, tagLogGroup, tagResource, untagLogGroup, untagResource } from './tags.js';

// Handlers are typed by their own input; the dispatcher hands them model-validated JSON.
type AnyOperation = OperationHandler<never>;

const all: AnyOperation[] = [
  createLogGroup,
  deleteLogGroup,
  describeLogGroups,
  listLogGroups,
  putRetentionPolicy,
  deleteRetentionPolicy,
  createLogStream,
  deleteLogStream,
  describeLogStreams,
  putLogEvents,
  getLogEvents,
  filterLogEvents,
  tagResource,
  untagResource,
  listTagsForResource,
  tagLogGroup,
  untagLogGroup,
  listTagsLogGroup,
  putMetricFilter,
  describeMetricFilters,
  deleteMetricFilter,
  testMetricFilter,
] as AnyOperation[];

export const operations: ReadonlyMap<string, AnyOperation> = new Map(all.map((op) => [op.name, op]));

/** Lets other modules (live tail, metric filters, ...) register their operations at composition time. */
export function withOperations(extra: readonly OperationHandler<never>[]): ReadonlyMap<string, AnyOperation> {
  return new Map([...operations, ...extra.map((op) => [op.name, op] as const)]);
}
