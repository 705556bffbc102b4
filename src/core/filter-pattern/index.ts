/**
 * The CloudWatch Logs filter-pattern engine: one implementation of the language for
 * FilterLogEvents, live tail, subscription filters, metric filters and TestMetricFilter.
 *
 * Sources followed (AWS's behaviour is the spec):
 * - User guide, "Filter pattern syntax for metric filters, subscription filters, filter log events,
 *   and Live Tail" (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
 *   its regex, unstructured, JSON and space-delimited sections, and the older revision in
 *   github.com/awsdocs/amazon-cloudwatch-logs-user-guide (doc_source/FilterAndPatternSyntax.md:
 *   `ERROR` matches "ERRORCODE"; "If you are not using a space-delimited filter, [extracted
 *   fields] will be empty"; `Ev*ent`; numeric grammar).
 * - API reference, TestMetricFilter (its six request/response examples) and the AWS CLI example
 *   awscli/examples/logs/test-metric-filter.rst.
 * - Behaviour recorded against real AWS: a boto3 suite run through TestMetricFilter (quoted vs
 *   unquoted values, wildcard quirks, which relational comparisons are rejected, leading blank
 *   before `{`); error texts quoted in GitHub issues ("Invalid character(s) in term '…'",
 *   "If a filter pattern starts with '{' it must end with '}'", "Invalid metric filter pattern",
 *   "Invalid filter pattern"); LocalStack's AWS-validated snapshot of the 1024-character limit.
 * Where these disagree or are silent, the choice is explained next to the code that makes it.
 */
import { InvalidParameterException, isLogsError } from '../errors.js';
import { genericMessage, MalformedPattern, type PatternContext } from './errors.js';
import { compileJsonPattern } from './json-pattern.js';
import { parseSelector, scalarText, selectAll, selectOne } from './json-selector.js';
import { compileRegex } from './regex.js';
import { compileSpaceDelimited } from './space-delimited.js';
import { compileTerms, isMatchAll, parseTerms } from './terms.js';

export type { PatternContext } from './errors.js';

export type FilterPatternKind = 'all' | 'terms' | 'json' | 'space-delimited' | 'regex';

export interface CompiledFilterPattern {
  readonly source: string;
  readonly kind: FilterPatternKind;
  /** true when the message matches */
  matches(message: string): boolean;
  /**
   * null when no match; otherwise the extractedValues TestMetricFilter reports: `$name` and
   * `$position` keys for space-delimited patterns, `{}` for every other kind (AWS reports JSON
   * and term matches with empty extractedValues).
   */
  extract(message: string): Record<string, string> | null;
  /** Resolves a metricValue such as `$.latency`, `$size` or `$3` against a match; undefined if absent. */
  valueOf(selector: string, message: string): string | undefined;
}

export interface CompileOptions {
  /** Chooses AWS's catch-all error wording; defaults to the metric-filter one. */
  readonly context?: PatternContext;
}

export const MAX_FILTER_PATTERN_LENGTH = 1024; // API reference: filterPattern length 0..1024

/**
 * TestMetricFilter's eventNumber counts from 1. The API reference's hand-written samples (2014,
 * with typos such as `"$size": "1534,"`) count from 0; the AWS CLI example, a captured run of
 * `aws logs test-metric-filter`, counts from 1 ("[ERROR] 400 BAD REQUEST" twice, then "[INFO]",
 * reported as events 1 and 2). Captured output is the stronger evidence.
 */
export const FIRST_EVENT_NUMBER = 1;

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

interface Internal extends CompiledFilterPattern {
  readonly required: readonly string[];
}

export function compileFilterPattern(pattern: string, options: CompileOptions = {}): CompiledFilterPattern {
  const context = options.context ?? 'metric-filter';
  if (typeof pattern !== 'string') throw new InvalidParameterException(genericMessage(context));
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    throw new InvalidParameterException(
      `1 validation error detected: Value '${pattern}' at 'filterPattern' failed to satisfy constraint: ` +
        `Member must have length less than or equal to ${MAX_FILTER_PATTERN_LENGTH}`,
    );
  }
  try {
    return compile(pattern);
  } catch (err) {
    if (isLogsError(err)) throw err;
    if (err instanceof MalformedPattern) throw new InvalidParameterException(genericMessage(context));
    // Anything else is our bug; the caller still gets AWS's vocabulary, never a crash.
    throw new InvalidParameterException(genericMessage(context));
  }
}

function compile(source: string): Internal {
  const trimmed = source.trim();
  if (trimmed === '') return matchAll(source);
  const first = source.charAt(0);
  if (first === '{') return json(source);
  if (first === '[') return spaceDelimited(source);
  // Recorded: ' {$.ThisFlag IS TRUE} ' (leading blank) is rejected as an invalid pattern.
  if (trimmed.startsWith('{')) throw new MalformedPattern('blank before {');
  if (trimmed.length >= 2 && trimmed.startsWith('%') && trimmed.endsWith('%')) {
    return regex(source, trimmed.slice(1, -1));
  }
  const terms = parseTerms(source);
  if (isMatchAll(terms)) return matchAll(source);
  const test = compileTerms(terms);
  return {
    source,
    kind: 'terms',
    required: terms.include,
    matches: test,
    extract: (m) => (test(m) ? { ...EMPTY } : null),
    valueOf: () => undefined,
  };
}

function matchAll(source: string): Internal {
  return {
    source,
    kind: 'all',
    required: [],
    matches: () => true,
    extract: () => ({ ...EMPTY }),
    valueOf: () => undefined,
  };
}

function regex(source: string, body: string): Internal {
  const test = compileRegex(body);
  return {
    source,
    kind: 'regex',
    required: [],
    matches: test,
    extract: (m) => (test(m) ? { ...EMPTY } : null),
    valueOf: () => undefined,
  };
}

function json(source: string): Internal {
  const compiled = compileJsonPattern(source);
  return {
    source,
    kind: 'json',
    // JSON may spell any character as \uXXXX, so no literal is certain to appear in the raw event.
    required: [],
    matches: (m) => compiled.matchRoot(m) !== undefined,
    extract: (m) => (compiled.matchRoot(m) !== undefined ? { ...EMPTY } : null),
    valueOf(selector, message) {
      const sel = parseSelector(selector);
      if (sel === undefined) return undefined;
      const root = compiled.matchRoot(message, true);
      if (root === undefined) return undefined;
      const node = sel.wildcards > 0 ? selectAll(root, sel.segments)[0] : selectOne(root, sel.segments);
      return scalarText(node);
    },
  };
}

function spaceDelimited(source: string): Internal {
  const compiled = compileSpaceDelimited(source);
  return {
    source,
    kind: 'space-delimited',
    required: compiled.requiredTerms,
    matches: compiled.matches,
    extract: compiled.extract,
    valueOf(selector, message) {
      if (!/^\$[A-Za-z0-9_]+$/.test(selector)) return undefined;
      return compiled.extract(message)?.[selector];
    },
  };
}

/**
 * Substrings every matching event must contain; the storage layer may skip chunks that lack one
 * of them. Conservative: empty whenever certainty is not cheap (regexes, `?` terms, JSON).
 */
export function requiredTerms(compiled: CompiledFilterPattern): string[] {
  const internal = compiled as Partial<Internal>;
  return Array.isArray(internal.required) ? [...internal.required] : [];
}

export interface MetricFilterMatchRecord {
  eventNumber: number;
  eventMessage: string;
  extractedValues: Record<string, string>;
}

/** TestMetricFilter: the events that match, numbered from FIRST_EVENT_NUMBER in request order. */
export function testMetricFilter(pattern: string, messages: string[]): MetricFilterMatchRecord[] {
  const compiled = compileFilterPattern(pattern, { context: 'metric-filter' });
  const out: MetricFilterMatchRecord[] = [];
  messages.forEach((eventMessage, i) => {
    const extractedValues = compiled.extract(eventMessage);
    if (extractedValues !== null) out.push({ eventNumber: i + FIRST_EVENT_NUMBER, eventMessage, extractedValues });
  });
  return out;
}
