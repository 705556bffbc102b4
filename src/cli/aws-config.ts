/**
 * Reads what the CLI needs from the AWS shared config file (~/.aws/config): a profile's region
 * and endpoint_url. The SDK reads endpoint_url only for AWS_PROFILE, not for a client's `profile`,
 * so `--profile NAME` would lose it; reading it here also lets errors name the endpoint.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** INI as the AWS config file writes it, including indented sub-properties (`parent.child`). */
export function parseIni(text: string): IniSections {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let parent: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s[#;].*$/, '');
    if (/^\s*([#;].*)?$/.test(line)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!.trim().replace(/\s+/g, ' ');
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      parent = undefined;
      continue;
    }
    const pair = /^(\s*)([^=\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!pair || !current) continue;
    const [, indent, key, value] = pair as unknown as [string, string, string, string];
    if (indent !== '' && parent !== undefined) current.set(`${parent}.${key.toLowerCase()}`, value);
    else {
      current.set(key.toLowerCase(), value);
      parent = value === '' ? key.toLowerCase() : undefined;
    }
  }
  return sections;
}

export interface ProfileSettings {
  readonly region?: string;
  readonly endpointUrl?: string;
}

function configFile(env: Env): string {
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  return env['AWS_CONFIG_FILE'] ?? join(home, '.aws', 'config');
}

/** The profile's region and CloudWatch Logs endpoint_url (a `services` section's cloudwatch_logs entry first). */
export function readProfileSettings(env: Env, profile: string): ProfileSettings {
  let sections: IniSections;
  try {
    sections = parseIni(readFileSync(configFile(env), 'utf8'));
  } catch {
    return {};
  }
  const section = sections.get(profile === 'default' ? 'default' : `profile ${profile}`) ?? (profile === 'default' ? sections.get('profile default') : undefined);
  if (!section) return {};
  const region = section.get('region');
  let endpointUrl: string | undefined;
  if (section.get('ignore_configured_endpoint_urls') !== 'true') {
    const services = section.get('services');
    endpointUrl = (services !== undefined ? sections.get(`services ${services}`)?.get('cloudwatch_logs.endpoint_url') : undefined) ?? section.get('endpoint_url');
  }
  return { ...(region ? { region } : {}), ...(endpointUrl ? { endpointUrl } : {}) };
}
