// Builds the process's OTel Resource once at start: who is running (service.name, service.instance.id), which
// build (service.version, vcs.ref.head.*), where (deployment.environment.name). Detected values yield to
// values passed in code; the operator's OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME yield to nothing.

import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag, type Attributes } from '@opentelemetry/api';
import { defaultServiceName, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_DISTRO_NAME,
  ATTR_TELEMETRY_DISTRO_VERSION,
  ATTR_VCS_REF_HEAD_NAME,
  ATTR_VCS_REF_HEAD_REVISION,
} from './attribute-keys.js';
import { readPackageMetadata } from './package-metadata.js';
import { detectVcsRevision } from './vcs-revision.js';

export interface VerdictResourceOptions {
  /** Overrides the detected `service.name`. */
  serviceName?: string;
  /** Overrides the detected `service.version`. */
  serviceVersion?: string;
  /** Overrides the detected `deployment.environment.name`. */
  environment?: string;
  /** Overrides the detected `vcs.ref.head.revision`. */
  gitCommit?: string;
  /** Overrides the detected `vcs.ref.head.name`. */
  gitBranch?: string;
  /** Overrides the per-process random `service.instance.id`. */
  serviceInstanceId?: string;
  /** More resource attributes; they win over detected ones, like the named options. */
  attributes?: Attributes;
  /** Variables to read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where to look for package.json and run git. Default `process.cwd()`. */
  cwd?: string;
  /** Ask `git` when no CI variable names the commit. Default true. */
  detectGit?: boolean;
  /** Upper bound for the one `git` call. Default 1000 ms. */
  gitTimeoutMs?: number;
}

/** First non-empty variable wins. */
export const SERVICE_VERSION_VARIABLES = ['OTEL_SERVICE_VERSION', 'APP_VERSION'] as const;
export const ENVIRONMENT_VARIABLES = ['OTEL_DEPLOYMENT_ENVIRONMENT', 'DEPLOY_ENV', 'APP_ENVIRONMENT', 'NODE_ENV'] as const;
export const DEFAULT_ENVIRONMENT = 'development';

/**
 * One id per process, shared by every resource built in it, so traces (and later metrics or logs) from one
 * process agree on their instance. UUID v4, as the semantic conventions recommend when nothing better exists.
 */
const PROCESS_INSTANCE_ID = randomUUID();

/**
 * The version of the package this module ships in (`verdict`, or the engine-free `verdict-instrumentation`): the
 * nearest package.json above this file, from the sources, from dist/ and from either installed package alike.
 */
const VERDICT_VERSION = readPackageMetadata(dirname(fileURLToPath(import.meta.url))).version;

export function verdictResource(options: VerdictResourceOptions = {}): Resource {
  return resourceFromAttributes(detectResourceAttributes(options));
}

/** The attributes `verdictResource()` carries, in precedence order from lowest to highest. */
export function detectResourceAttributes(options: VerdictResourceOptions = {}): Attributes {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const pkg = readPackageMetadata(cwd);
  const vcs = detectVcsRevision({ env, cwd, useGit: options.detectGit, gitTimeoutMs: options.gitTimeoutMs });

  const attributes: Attributes = {
    [ATTR_TELEMETRY_DISTRO_NAME]: 'verdict',
    [ATTR_SERVICE_INSTANCE_ID]: PROCESS_INSTANCE_ID,
    [ATTR_SERVICE_NAME]: defaultServiceName(),
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: firstVariable(env, ENVIRONMENT_VARIABLES) ?? DEFAULT_ENVIRONMENT,
  };
  assignDefined(attributes, {
    [ATTR_TELEMETRY_DISTRO_VERSION]: VERDICT_VERSION,
    [ATTR_SERVICE_NAME]: pkg.name,
    [ATTR_SERVICE_VERSION]: firstVariable(env, SERVICE_VERSION_VARIABLES) ?? pkg.version,
    [ATTR_VCS_REF_HEAD_REVISION]: vcs.revision,
    [ATTR_VCS_REF_HEAD_NAME]: vcs.branch,
  });
  assignDefined(attributes, {
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: options.serviceVersion,
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: options.environment,
    [ATTR_VCS_REF_HEAD_REVISION]: options.gitCommit,
    [ATTR_VCS_REF_HEAD_NAME]: options.gitBranch,
    [ATTR_SERVICE_INSTANCE_ID]: options.serviceInstanceId,
  });
  assignDefined(attributes, options.attributes ?? {});
  Object.assign(attributes, parseResourceAttributesVariable(env.OTEL_RESOURCE_ATTRIBUTES));
  // The SDK specification lets OTEL_SERVICE_NAME win even over OTEL_RESOURCE_ATTRIBUTES' service.name.
  assignDefined(attributes, { [ATTR_SERVICE_NAME]: nonEmpty(env.OTEL_SERVICE_NAME) });
  return attributes;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES as the SDK specification defines it: `key=value` pairs separated by commas, both
 * sides percent-encoded. Like the OTel JS env detector, a malformed variable is ignored as a whole rather than
 * half-applied. Written here because the SDK's parser reads only `process.env`, and detection takes any env.
 */
export function parseResourceAttributesVariable(raw: string | undefined): Record<string, string> {
  if (!raw?.trim()) return {};
  const parsed: Record<string, string> = {};
  for (const entry of raw.split(',')) {
    if (!entry.trim()) continue;
    const parts = entry.split('=');
    const key = parts[0]?.trim();
    if (parts.length !== 2 || !key) {
      diag.warn(`verdict: ignoring OTEL_RESOURCE_ATTRIBUTES, "${entry}" is not key=value`);
      return {};
    }
    try {
      parsed[decodeURIComponent(key)] = decodeURIComponent(parts[1]!.trim());
    } catch {
      diag.warn(`verdict: ignoring OTEL_RESOURCE_ATTRIBUTES, "${entry}" is not valid percent-encoding`);
      return {};
    }
  }
  return parsed;
}

function firstVariable(env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = nonEmpty(env[name]);
    if (value) return value;
  }
  return undefined;
}

function assignDefined(target: Attributes, source: Attributes): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === null || value === '') continue;
    target[key] = value;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

