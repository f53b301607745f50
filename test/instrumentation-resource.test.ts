import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { detectResourceAttributes, verdictResource } from '../instrumentation/resource-detector.js';
import * as keys from '../instrumentation/attribute-keys.js';
import { CI_VARIABLES } from '../instrumentation/vcs-revision.js';

const OWN_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

let root: string;
let emptyDir: string; // no package.json, no git above it (tmpdir is outside any repository)
let noGitPath: string; // a PATH with no git on it

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'verdict-resource-'));
  emptyDir = join(root, 'empty');
  mkdirSync(emptyDir);
  noGitPath = join(root, 'no-git-bin');
  mkdirSync(noGitPath);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CI_CASES: Array<[Record<string, string>, string | undefined]> = [
  [{ GITHUB_SHA: SHA_A, GITHUB_REF_NAME: 'main' }, 'main'],
  [{ GITHUB_SHA: SHA_A, GITHUB_REF_NAME: '12/merge', GITHUB_HEAD_REF: 'feature/login' }, 'feature/login'],
  [{ CI_COMMIT_SHA: SHA_A, CI_COMMIT_REF_NAME: 'release-2' }, 'release-2'],
  [{ VERCEL_GIT_COMMIT_SHA: SHA_A, VERCEL_GIT_COMMIT_REF: 'preview' }, 'preview'],
  [{ CIRCLE_SHA1: SHA_A, CIRCLE_BRANCH: 'main' }, 'main'],
  [{ BITBUCKET_COMMIT: SHA_A, BITBUCKET_BRANCH: 'main' }, 'main'],
  [{ BUILDKITE_COMMIT: SHA_A, BUILDKITE_BRANCH: 'main' }, 'main'],
  [{ TRAVIS_COMMIT: SHA_A, TRAVIS_BRANCH: 'main' }, 'main'],
  [{ BUILD_SOURCEVERSION: SHA_A, BUILD_SOURCEBRANCH: 'refs/heads/main' }, 'main'],
  [{ CODEBUILD_RESOLVED_SOURCE_VERSION: SHA_A, CODEBUILD_WEBHOOK_HEAD_REF: 'refs/heads/main' }, 'main'],
  [{ RENDER_GIT_COMMIT: SHA_A, RENDER_GIT_BRANCH: 'main' }, 'main'],
  [{ RAILWAY_GIT_COMMIT_SHA: SHA_A, RAILWAY_GIT_BRANCH: 'main' }, 'main'],
  [{ CF_PAGES_COMMIT_SHA: SHA_A, CF_PAGES_BRANCH: 'main' }, 'main'],
  [{ HEROKU_SLUG_COMMIT: SHA_A }, undefined],
  [{ SOURCE_VERSION: SHA_A }, undefined],
  [{ GIT_COMMIT: SHA_A, GIT_BRANCH: 'origin/main' }, 'main'],
  [{ GIT_SHA: SHA_A, GIT_BRANCH: 'main' }, 'main'],
  [{ COMMIT_SHA: SHA_A, BRANCH_NAME: 'main' }, 'main'],
];

/** Detection in a directory with nothing to find and only the given variables. */
function detect(env: Record<string, string>, options: Parameters<typeof detectResourceAttributes>[0] = {}) {
  return detectResourceAttributes({ env: { PATH: noGitPath, ...env }, cwd: emptyDir, ...options });
}

describe('resource detection from variables', () => {
  it('falls back to defaults when nothing is set', () => {
    const attrs = detect({});
    expect(attrs['service.name']).toMatch(/^unknown_service/);
    expect(attrs['service.version']).toBeUndefined();
    expect(attrs['deployment.environment.name']).toBe('development');
    expect(attrs['vcs.ref.head.revision']).toBeUndefined();
    expect(attrs['telemetry.distro.name']).toBe('verdict');
    expect(attrs['telemetry.distro.version']).toBe(OWN_VERSION);
  });

  it('reads service.name from OTEL_SERVICE_NAME', () => {
    expect(detect({ OTEL_SERVICE_NAME: 'checkout' })['service.name']).toBe('checkout');
  });

  it('reads service.version from OTEL_SERVICE_VERSION, then APP_VERSION', () => {
    expect(detect({ APP_VERSION: '2.0.0' })['service.version']).toBe('2.0.0');
    expect(detect({ OTEL_SERVICE_VERSION: '3.1.0', APP_VERSION: '2.0.0' })['service.version']).toBe('3.1.0');
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'production'],
    [{ APP_ENVIRONMENT: 'staging', NODE_ENV: 'production' }, 'staging'],
    [{ DEPLOY_ENV: 'canary', APP_ENVIRONMENT: 'staging', NODE_ENV: 'production' }, 'canary'],
    [{ OTEL_DEPLOYMENT_ENVIRONMENT: 'eu-prod', DEPLOY_ENV: 'canary', NODE_ENV: 'production' }, 'eu-prod'],
    [{ NODE_ENV: '  ' }, 'development'],
  ])('reads deployment.environment.name from %o', (env, expected) => {
    expect(detect(env)['deployment.environment.name']).toBe(expected);
  });

  it.each(CI_CASES)('reads the commit and branch from CI variables %o', (env, branch) => {
    const attrs = detect(env);
    expect(attrs['vcs.ref.head.revision']).toBe(SHA_A);
    expect(attrs['vcs.ref.head.name']).toBe(branch);
  });

  it('has a case above for every CI platform it knows', () => {
    const covered = new Set(CI_CASES.flatMap(([env]) => Object.keys(env)));
    expect(CI_VARIABLES.map((p) => p.commit).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('never pairs one platform commit with another platform branch', () => {
    const attrs = detect({ CI_COMMIT_SHA: SHA_A, GITHUB_REF_NAME: 'not-this' });
    expect(attrs['vcs.ref.head.revision']).toBe(SHA_A);
    expect(attrs['vcs.ref.head.name']).toBeUndefined();
  });
});

describe('precedence', () => {
  it('lets values passed in code win over detected ones', () => {
    const attrs = detect(
      { OTEL_SERVICE_VERSION: '1.0.0', NODE_ENV: 'production', GITHUB_SHA: SHA_A, GITHUB_REF_NAME: 'main' },
      {
        serviceName: 'chat',
        serviceVersion: '9.9.9',
        environment: 'eval',
        gitCommit: SHA_B,
        gitBranch: 'exp',
        serviceInstanceId: 'pod-7',
        attributes: { 'service.namespace': 'ai', 'team': 'search' },
      },
    );
    expect(attrs).toMatchObject({
      'service.name': 'chat',
      'service.version': '9.9.9',
      'deployment.environment.name': 'eval',
      'vcs.ref.head.revision': SHA_B,
      'vcs.ref.head.name': 'exp',
      'service.instance.id': 'pod-7',
      'service.namespace': 'ai',
      'team': 'search',
    });
  });

  it('lets OTEL_RESOURCE_ATTRIBUTES win over code and detection, percent-decoded', () => {
    const attrs = detect(
      {
        OTEL_RESOURCE_ATTRIBUTES: 'service.version=4.0.0,deployment.environment.name=prod%2Ceu, team = a%3Db',
        APP_VERSION: '1.0.0',
        NODE_ENV: 'test',
      },
      { serviceVersion: '9.9.9', environment: 'eval' },
    );
    expect(attrs['service.version']).toBe('4.0.0');
    expect(attrs['deployment.environment.name']).toBe('prod,eu');
    expect(attrs['team']).toBe('a=b');
  });

  it('lets OTEL_SERVICE_NAME win over service.name in OTEL_RESOURCE_ATTRIBUTES, as the SDK spec says', () => {
    const attrs = detect({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs', OTEL_SERVICE_NAME: 'from-name' }, { serviceName: 'code' });
    expect(attrs['service.name']).toBe('from-name');
  });

  it('ignores a malformed OTEL_RESOURCE_ATTRIBUTES as a whole', () => {
    const attrs = detect({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=4.0.0,broken', APP_VERSION: '1.0.0' });
    expect(attrs['service.version']).toBe('1.0.0');
  });

  it('gives every resource of the process the same UUID service.instance.id', () => {
    const first = detect({})['service.instance.id'];
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(verdictResource({ env: { PATH: noGitPath }, cwd: emptyDir }).attributes['service.instance.id']).toBe(first);
  });
});

describe('resource detection from package.json', () => {
  it('reads name and version from the nearest package.json above the working directory', () => {
    const app = join(root, 'app');
    mkdirSync(join(app, 'src', 'server'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'chat-service', version: '1.4.2' }));
    const attrs = detectResourceAttributes({ env: { PATH: noGitPath }, cwd: join(app, 'src', 'server') });
    expect(attrs['service.name']).toBe('chat-service');
    expect(attrs['service.version']).toBe('1.4.2');
  });

  it('prefers the variables over package.json', () => {
    const app = join(root, 'app2');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pkg-name', version: '1.0.0' }));
    const attrs = detectResourceAttributes({ env: { PATH: noGitPath, OTEL_SERVICE_NAME: 'svc', APP_VERSION: '2.0.0' }, cwd: app });
    expect(attrs['service.name']).toBe('svc');
    expect(attrs['service.version']).toBe('2.0.0');
  });

  it('stops at the first package.json even when it has no name or is not valid JSON', () => {
    const outer = join(root, 'outer');
    const inner = join(outer, 'inner');
    mkdirSync(inner, { recursive: true });
    writeFileSync(join(outer, 'package.json'), JSON.stringify({ name: 'monorepo-root', version: '0.0.1' }));
    writeFileSync(join(inner, 'package.json'), '{ not json');
    const attrs = detectResourceAttributes({ env: { PATH: noGitPath }, cwd: inner });
    expect(attrs['service.name']).toMatch(/^unknown_service/);
    expect(attrs['service.version']).toBeUndefined();
  });
});

describe('resource detection from git', () => {
  let repo: string;
  let head: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, encoding: 'utf8' }).trim();

  beforeAll(() => {
    repo = join(root, 'repo');
    mkdirSync(repo);
    git('init', '-q', '-b', 'release/2.0');
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'repo-app', version: '2.0.0' }));
    git('add', 'package.json');
    git('commit', '-q', '-m', 'first');
    head = git('rev-parse', 'HEAD');
  });

  it('reads the commit and branch of the working directory', () => {
    const attrs = detectResourceAttributes({ env: { PATH: process.env.PATH ?? '' }, cwd: repo });
    expect(attrs['vcs.ref.head.revision']).toBe(head);
    expect(attrs['vcs.ref.head.name']).toBe('release/2.0');
    expect(attrs['service.name']).toBe('repo-app');
  });

  it('reads the commit without a branch on a detached HEAD', () => {
    const detached = join(root, 'detached');
    execFileSync('git', ['clone', '-q', repo, detached]);
    execFileSync('git', ['checkout', '-q', '--detach'], { cwd: detached });
    const attrs = detectResourceAttributes({ env: { PATH: process.env.PATH ?? '' }, cwd: detached });
    expect(attrs['vcs.ref.head.revision']).toBe(head);
    expect(attrs['vcs.ref.head.name']).toBeUndefined();
  });

  it('prefers CI variables to git', () => {
    const attrs = detectResourceAttributes({ env: { PATH: process.env.PATH ?? '', GITHUB_SHA: SHA_A, GITHUB_REF_NAME: 'main' }, cwd: repo });
    expect(attrs['vcs.ref.head.revision']).toBe(SHA_A);
    expect(attrs['vcs.ref.head.name']).toBe('main');
  });

  it('skips git when asked to', () => {
    const attrs = detectResourceAttributes({ env: { PATH: process.env.PATH ?? '' }, cwd: repo, detectGit: false });
    expect(attrs['vcs.ref.head.revision']).toBeUndefined();
  });

  it('leaves the attributes unset, without throwing, when git is not on PATH', () => {
    const attrs = detectResourceAttributes({ env: { PATH: noGitPath }, cwd: repo });
    expect(attrs['vcs.ref.head.revision']).toBeUndefined();
    expect(attrs['vcs.ref.head.name']).toBeUndefined();
    expect(attrs['service.name']).toBe('repo-app');
  });

  it('leaves the attributes unset outside a repository', () => {
    const attrs = detectResourceAttributes({ env: { PATH: process.env.PATH ?? '' }, cwd: emptyDir });
    expect(attrs['vcs.ref.head.revision']).toBeUndefined();
  });

  it('gives up on a git that hangs, after the timeout', () => {
    const hangingBin = join(root, 'hanging-bin');
    mkdirSync(hangingBin);
    writeFileSync(join(hangingBin, 'git'), '#!/bin/sh\nexec sleep 30\n');
    chmodSync(join(hangingBin, 'git'), 0o755);
    const attrs = detectResourceAttributes({ env: { PATH: `${hangingBin}:/usr/bin:/bin` }, cwd: repo, gitTimeoutMs: 200 });
    expect(attrs['vcs.ref.head.revision']).toBeUndefined();
  });
});

describe('attribute keys', () => {
  it('match the incubating semantic conventions they were copied from', () => {
    expect(keys.ATTR_VCS_REF_HEAD_REVISION).toBe(incubating.ATTR_VCS_REF_HEAD_REVISION);
    expect(keys.ATTR_VCS_REF_HEAD_NAME).toBe(incubating.ATTR_VCS_REF_HEAD_NAME);
    expect(keys.ATTR_SESSION_ID).toBe(incubating.ATTR_SESSION_ID);
    expect(keys.ATTR_USER_ID).toBe(incubating.ATTR_USER_ID);
  });
});
