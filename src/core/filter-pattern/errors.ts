import { InvalidParameterException } from '../errors.js';

/** Which API is compiling the pattern: AWS words its catch-all rejection differently for each. */
export type PatternContext = 'metric-filter' | 'subscription-filter' | 'filter-log-events' | 'live-tail';

// Recorded AWS messages: PutMetricFilter/TestMetricFilter say "Invalid metric filter pattern"
// (aws-cdk#16278, CloudFormation and boto3 test suites); FilterLogEvents says "Invalid filter
// pattern" (aws-toolkit-jetbrains#3219, mapbox/ecs-watchbot#141, awsdocs user guide #21).
// The subscription wording is not recorded anywhere we found; it follows the same shape.
const GENERIC_MESSAGE: Record<PatternContext, string> = {
  'metric-filter': 'Invalid metric filter pattern',
  'subscription-filter': 'Invalid subscription filter pattern',
  'filter-log-events': 'Invalid filter pattern',
  'live-tail': 'Invalid filter pattern',
};

export function genericMessage(context: PatternContext): string {
  return GENERIC_MESSAGE[context];
}

/**
 * Thrown by the parsers for a pattern AWS rejects with its catch-all message; compileFilterPattern
 * turns it into an InvalidParameterException worded for the calling API.
 */
export class MalformedPattern extends Error {}

export function malformed(why: string): MalformedPattern {
  return new MalformedPattern(why);
}

/** AWS's message for a character a term may not hold, e.g. `Invalid character(s) in term ':'`. */
export function invalidTerm(term: string): InstanceType<typeof InvalidParameterException> {
  return new InvalidParameterException(`Invalid character(s) in term '${term}'`);
}
