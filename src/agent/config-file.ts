/**
 * Reads agent.yaml. Kept apart from config.ts so that only `logharbor agent` loads the YAML parser
 * (73 modules of the yaml package in the production build; `logharbor run` has no file to parse).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AgentConfigError, agentConfigFromDocument, type AgentConfig } from './config.js';

/** Parses agent.yaml text. `file` is used for messages and to resolve relative paths. */
export function parseAgentConfig(text: string, file: string, env: NodeJS.ProcessEnv): AgentConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new AgentConfigError(`${file}: ${(err as Error).message}`);
  }
  return agentConfigFromDocument(doc, file, env);
}

export function loadAgentConfig(file: string, env: NodeJS.ProcessEnv): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AgentConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAgentConfig(text, resolve(file), env);
}
