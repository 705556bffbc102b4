/**
 * Where CloudWatch Logs is for a region, as the AWS SDK's endpoint rules for `logs` resolve it:
 * https://logs.{region}.{dnsSuffix of the region's partition}, `logs-fips` with FIPS, the partition's
 * dual-stack suffix with dual-stack. The partitions are the SDK's (partitions.json: regionRegex,
 * dnsSuffix, dualStackDnsSuffix); a region matching none is in `aws`, as the SDK does.
 */

interface Partition {
  readonly regionRegex: RegExp;
  readonly dnsSuffix: string;
  readonly dualStackDnsSuffix: string;
}

const AWS: Partition = { regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' };

const PARTITIONS: readonly Partition[] = [
  AWS,
  { regionRegex: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn', dualStackDnsSuffix: 'api.amazonwebservices.com.cn' },
  { regionRegex: /^eusc-(de)-\w+-\d+$/, dnsSuffix: 'amazonaws.eu', dualStackDnsSuffix: 'api.amazonwebservices.eu' },
  { regionRegex: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'api.aws.ic.gov' },
  { regionRegex: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov', dualStackDnsSuffix: 'api.aws.scloud' },
  { regionRegex: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk', dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk' },
  { regionRegex: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov', dualStackDnsSuffix: 'api.aws.hci.ic.gov' },
  { regionRegex: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
];

export interface EndpointOptions {
  readonly useFips?: boolean;
  readonly useDualStack?: boolean;
}

export function logsEndpoint(region: string, options: EndpointOptions = {}): string {
  const partition = PARTITIONS.find((p) => p.regionRegex.test(region)) ?? AWS;
  const suffix = options.useDualStack ? partition.dualStackDnsSuffix : partition.dnsSuffix;
  return `https://logs${options.useFips ? '-fips' : ''}.${region}.${suffix}`;
}

/**
 * The endpoint the SDK would use when none is given: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, else
 * AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), else the region's.
 */
export function endpointFromEnv(region: string, env: NodeJS.ProcessEnv): string {
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] !== 'true') {
    const configured = env['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'] ?? env['AWS_ENDPOINT_URL'];
    if (configured) return configured;
  }
  return logsEndpoint(region, { useFips: env['AWS_USE_FIPS_ENDPOINT'] === 'true', useDualStack: env['AWS_USE_DUALSTACK_ENDPOINT'] === 'true' });
}
