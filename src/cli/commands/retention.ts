/** `logharbor retention GROUP [DAYS|never]`. */
import { DeleteRetentionPolicyCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Command } from '../command.js';
import { CliError, EXIT, UsageError, isNotFound } from '../errors.js';
import { listGroups } from '../events.js';

/** AWS PutRetentionPolicy's accepted values, for the usage message (the service has the last word). */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const NEVER = new Set(['never', 'none', 'off', 'forever']);

export const retention: Command = {
  name: 'retention',
  summary: "show or set a group's retention in days ('never' removes it)",
  usage: ['logharbor retention GROUP [DAYS|never]'],
  description:
    `Sets how many days GROUP keeps events (one of ${RETENTION_DAYS.join(', ')}),\n` +
    "or with 'never' keeps them forever. Without DAYS, prints the current retention.",
  options: {},
  examples: ['logharbor retention /prod/api 30', 'logharbor retention /prod/api never', 'logharbor retention /prod/api'],
  positional: 'group',
  async run(ctx) {
    const [group, days, ...extra] = ctx.args.positionals;
    if (group === undefined || extra.length > 0) throw new UsageError("logharbor retention: give a log group and DAYS (see 'logharbor retention --help')");
    const client = ctx.client();
    const notFound = () => new CliError(`log group '${group}' does not exist at ${ctx.endpoint()}`, EXIT.notFound);
    if (days === undefined) {
      for await (const found of listGroups(client, group, ctx.signal)) {
        if (found.logGroupName !== group) break;
        ctx.out(found.retentionInDays !== undefined ? `${found.retentionInDays} days` : 'never expire');
        return EXIT.ok;
      }
      throw notFound();
    }
    const never = NEVER.has(days.toLowerCase());
    if (!never && !/^\d+$/.test(days)) {
      throw new UsageError(`logharbor retention: DAYS is a number of days (${RETENTION_DAYS.join(', ')}) or 'never', not '${days}'`);
    }
    try {
      if (never) await client.send(new DeleteRetentionPolicyCommand({ logGroupName: group }), { abortSignal: ctx.signal });
      else await client.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: Number(days) }), { abortSignal: ctx.signal });
    } catch (err) {
      if (isNotFound(err)) throw notFound();
      throw err;
    }
    return EXIT.ok;
  },
};
