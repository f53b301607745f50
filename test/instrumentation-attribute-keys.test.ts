// The instrumentation copies a few incubating semantic-convention keys instead of importing the large
// incubating entry point at run time; these copies must stay equal to upstream's.
import { ATTR_SESSION_ID as UPSTREAM_SESSION_ID, ATTR_USER_ID as UPSTREAM_USER_ID, ATTR_VCS_REF_HEAD_NAME as UPSTREAM_REF_NAME, ATTR_VCS_REF_HEAD_REVISION as UPSTREAM_REVISION } from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { ATTR_SESSION_ID, ATTR_USER_ID, ATTR_VCS_REF_HEAD_NAME, ATTR_VCS_REF_HEAD_REVISION } from '../instrumentation/attribute-keys.js';

describe('attribute keys copied from the incubating semantic conventions', () => {
  it('equal upstream', () => {
    expect([ATTR_VCS_REF_HEAD_REVISION, ATTR_VCS_REF_HEAD_NAME, ATTR_SESSION_ID, ATTR_USER_ID]).toEqual([UPSTREAM_REVISION, UPSTREAM_REF_NAME, UPSTREAM_SESSION_ID, UPSTREAM_USER_ID]);
  });
});
