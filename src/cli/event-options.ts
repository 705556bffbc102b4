/** The output options `get` and `tail` share, and the EventFormat they build. */
import type { OptionSpecs, ParsedArgs } from './args.js';
import { checkQuery, type EventFormat } from './format.js';

export const EVENT_OUTPUT_OPTIONS: OptionSpecs = {
  filter: { type: 'string', value: 'PATTERN', description: "a CloudWatch filter pattern, e.g. 'ERROR', '{ $.level = \"error\" }'" },
  utc: { type: 'boolean', description: 'read and show times in UTC (default: local time)' },
  json: { type: 'boolean', description: 'one JSON object per event and line' },
  expand: { type: 'boolean', description: 'pretty-print JSON messages' },
  query: { type: 'string', value: 'JMESPATH', description: 'show this JMESPath of JSON messages (events it selects nothing of are left out)' },
  timestamp: { type: 'boolean', description: "show each event's timestamp" },
  'ingestion-time': { type: 'boolean', description: "show each event's ingestion time" },
  'no-group': { type: 'boolean', description: 'leave out the group name' },
  'no-stream': { type: 'boolean', description: 'leave out the stream name' },
};

export function eventFormat(args: ParsedArgs, color: boolean): EventFormat {
  const query = args.strings['query'];
  checkQuery(query);
  return {
    color,
    utc: args.booleans['utc'] === true,
    json: args.booleans['json'] === true,
    expand: args.booleans['expand'] === true,
    showGroup: args.booleans['no-group'] !== true,
    showStream: args.booleans['no-stream'] !== true,
    showTimestamp: args.booleans['timestamp'] === true,
    showIngestionTime: args.booleans['ingestion-time'] === true,
    query,
  };
}

/** A filter pattern of only spaces matches everything; send none. */
export function filterPattern(args: ParsedArgs): string | undefined {
  const pattern = args.strings['filter'];
  return pattern !== undefined && pattern.trim() !== '' ? pattern : undefined;
}
