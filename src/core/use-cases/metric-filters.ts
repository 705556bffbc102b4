/** PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter and TestMetricFilter. */
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from '../errors.js';
import { compileFilterPattern, testMetricFilter as runTest, type MetricFilterMatchRecord } from '../filter-pattern/index.js';
import { MAX_METRIC_FILTERS_PER_GROUP } from '../limits.js';
import { decodeToken, encodeToken } from '../tokens.js';
import type { Scope } from '../types.js';
import type { CoreDeps } from './deps.js';
import { groupResourceKey, METRIC_FILTER_KIND, requireLogGroup } from './log-groups.js';

export interface MetricTransformation {
  metricName: string;
  metricNamespace: string;
  metricValue: string;
  defaultValue?: number;
  dimensions?: Record<string, string>;
  unit?: string;
}

export interface MetricFilter {
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  creationTime: number;
  logGroupName: string;
  applyOnTransformedLogs?: boolean;
  fieldSelectionCriteria?: string;
  emitSystemFieldDimensions?: string[];
}

export interface PutMetricFilterRequest {
  logGroupName: string;
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  applyOnTransformedLogs?: boolean;
  fieldSelectionCriteria?: string;
  emitSystemFieldDimensions?: string[];
}

/** AWS: one metric filter can include as many as three dimensions. */
const MAX_DIMENSIONS = 3;

/** `$.a.b`, `$name`, `$3`: a value taken from the event, as metricValue and dimension values allow. */
const FIELD_REFERENCE = /^\$(\.[\s\S]+|[A-Za-z0-9_]+)$/;

function validateTransformation(t: MetricTransformation, patternKind: string): void {
  const value = t.metricValue.trim();
  const numeric = value !== '' && Number.isFinite(Number(value));
  if (!numeric && !FIELD_REFERENCE.test(value)) {
    throw new InvalidParameterException(`Invalid metric value: '${t.metricValue}'. Use a number or a field of the filter pattern, such as $.latency or $size.`);
  }
  const dimensions = t.dimensions ?? {};
  const count = Object.keys(dimensions).length;
  if (count > 0) {
    if (t.defaultValue !== undefined) {
      throw new InvalidParameterException('Invalid metric transformation: dimensions and default value are mutually exclusive properties');
    }
    if (patternKind !== 'json' && patternKind !== 'space-delimited') {
      throw new InvalidParameterException('The specified filter pattern does not support dimensions');
    }
    if (count > MAX_DIMENSIONS) {
      throw new InvalidParameterException(`A metric filter can have at most ${MAX_DIMENSIONS} dimensions.`);
    }
    for (const [key, dimValue] of Object.entries(dimensions)) {
      if (!FIELD_REFERENCE.test(dimValue)) {
        throw new InvalidParameterException(`Invalid dimension value for key '${key}': '${dimValue}'. Dimension values must be fields of the filter pattern.`);
      }
    }
  }
}

export async function putMetricFilter(deps: CoreDeps, scope: Scope, input: PutMetricFilterRequest): Promise<void> {
  const compiled = compileFilterPattern(input.filterPattern, { context: 'metric-filter' });
  for (const t of input.metricTransformations) validateTransformation(t, compiled.kind);
  await requireLogGroup(deps, scope, input.logGroupName);
  const key = groupResourceKey(input.logGroupName, input.filterName);
  const existing = await deps.store.getResource<MetricFilter>(scope, METRIC_FILTER_KIND, key);
  if (!existing) {
    const count = (await deps.store.listResources(scope, METRIC_FILTER_KIND, groupResourceKey(input.logGroupName, ''))).length;
    if (count >= MAX_METRIC_FILTERS_PER_GROUP) throw new LimitExceededException('Resource limit exceeded.');
  }
  const filter: MetricFilter = {
    filterName: input.filterName,
    filterPattern: input.filterPattern,
    metricTransformations: input.metricTransformations.map((t) => ({
      metricName: t.metricName,
      metricNamespace: t.metricNamespace,
      metricValue: t.metricValue,
      ...(t.defaultValue !== undefined ? { defaultValue: t.defaultValue } : {}),
      ...(t.dimensions !== undefined && Object.keys(t.dimensions).length > 0 ? { dimensions: t.dimensions } : {}),
      ...(t.unit !== undefined ? { unit: t.unit } : {}),
    })),
    creationTime: existing?.creationTime ?? deps.clock.now(),
    logGroupName: input.logGroupName,
    ...(input.applyOnTransformedLogs !== undefined ? { applyOnTransformedLogs: input.applyOnTransformedLogs } : {}),
    ...(input.fieldSelectionCriteria !== undefined ? { fieldSelectionCriteria: input.fieldSelectionCriteria } : {}),
    ...(input.emitSystemFieldDimensions !== undefined ? { emitSystemFieldDimensions: input.emitSystemFieldDimensions } : {}),
  };
  await deps.store.putResource(scope, METRIC_FILTER_KIND, key, filter);
}

export interface DescribeMetricFiltersRequest {
  logGroupName?: string;
  filterNamePrefix?: string;
  nextToken?: string;
  limit?: number;
  metricName?: string;
  metricNamespace?: string;
}

type Cursor = [filterName: string, logGroupName: string];
const isCursor = (v: unknown): v is Cursor => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');
const compareCursor = (a: Cursor, b: Cursor): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
const cursorOf = (f: MetricFilter): Cursor => [f.filterName, f.logGroupName];

export async function describeMetricFilters(
  deps: CoreDeps,
  scope: Scope,
  input: DescribeMetricFiltersRequest,
): Promise<{ metricFilters: MetricFilter[]; nextToken?: string }> {
  if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
    throw new InvalidParameterException('metricName and metricNamespace must be specified together.');
  }
  if (input.logGroupName !== undefined) await requireLogGroup(deps, scope, input.logGroupName);
  const after = input.nextToken !== undefined ? decodeToken('DescribeMetricFilters', input.nextToken, isCursor) : undefined;
  // AWS uses filterNamePrefix only together with logGroupName.
  const prefix = input.logGroupName !== undefined ? groupResourceKey(input.logGroupName, input.filterNamePrefix ?? '') : '';
  const all = await deps.store.listResources<MetricFilter>(scope, METRIC_FILTER_KIND, prefix);
  // AWS sorts by filter name (ASCII); the group name breaks ties across groups.
  const matching = all
    .map((r) => r.value)
    .filter((f) => after === undefined || compareCursor(cursorOf(f), after) > 0)
    .filter(
      (f) =>
        input.metricName === undefined ||
        f.metricTransformations.some((t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace),
    )
    .sort((a, b) => compareCursor(cursorOf(a), cursorOf(b)));
  const limit = input.limit ?? 50;
  const page = matching.slice(0, limit);
  const last = page[page.length - 1];
  return matching.length > limit && last ? { metricFilters: page, nextToken: encodeToken('DescribeMetricFilters', cursorOf(last)) } : { metricFilters: page };
}

export async function deleteMetricFilter(deps: CoreDeps, scope: Scope, input: { logGroupName: string; filterName: string }): Promise<void> {
  await requireLogGroup(deps, scope, input.logGroupName);
  const deleted = await deps.store.deleteResource(scope, METRIC_FILTER_KIND, groupResourceKey(input.logGroupName, input.filterName));
  if (!deleted) throw new ResourceNotFoundException('The specified metric filter does not exist.');
}

export function testMetricFilter(input: { filterPattern: string; logEventMessages: string[] }): { matches: MetricFilterMatchRecord[] } {
  return { matches: runTest(input.filterPattern, input.logEventMessages) };
}
