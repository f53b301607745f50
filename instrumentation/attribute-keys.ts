// The attribute keys Verdict writes. Stable semantic-convention keys come from the package; incubating ones are
// copied here, as the semantic-conventions README advises for runtime code (the incubating entry point is large
// and may change in a minor release). test/instrumentation-attribute-keys.test.ts pins the copies to upstream.

export {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_DISTRO_NAME,
  ATTR_TELEMETRY_DISTRO_VERSION,
} from '@opentelemetry/semantic-conventions';

export const ATTR_VCS_REF_HEAD_REVISION = 'vcs.ref.head.revision' as const;
export const ATTR_VCS_REF_HEAD_NAME = 'vcs.ref.head.name' as const;
export const ATTR_SESSION_ID = 'session.id' as const;
export const ATTR_USER_ID = 'user.id' as const;

/**
 * The variant under comparison inside one service version: an experiment arm, a prompt version, an agent
 * config. No semantic convention exists for it; Verdict's AppVersion column reads it before `service.version`.
 */
export const ATTR_APP_VERSION = 'app.version' as const;
