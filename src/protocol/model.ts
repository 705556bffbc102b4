/**
 * The official CloudWatch Logs service model (botocore's service-2.json, Apache-2.0, see
 * aws-model/LICENSE.txt and NOTICE): shapes, constraints and operations, read once.
 */
import { readFileSync } from 'node:fs';

export interface ShapeRef {
  readonly shape: string;
}

export interface Shape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob' | 'double' | 'float' | 'union';
  readonly members?: Record<string, ShapeRef>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly union?: boolean;
  readonly eventstream?: boolean;
}

export interface Operation {
  readonly name: string;
  readonly input?: ShapeRef;
  readonly output?: ShapeRef;
}

export interface ServiceModel {
  readonly metadata: { readonly targetPrefix: string; readonly apiVersion: string };
  readonly operations: Record<string, Operation>;
  readonly shapes: Record<string, Shape>;
}

let cached: ServiceModel | undefined;

/** Loaded lazily: src/ and dist/ both resolve ../protocol/aws-model (the build copies it). */
export function serviceModel(): ServiceModel {
  cached ??= JSON.parse(readFileSync(new URL('./aws-model/service-2.json', import.meta.url), 'utf8')) as ServiceModel;
  return cached;
}

export const TARGET_PREFIX = 'Logs_20140328';
