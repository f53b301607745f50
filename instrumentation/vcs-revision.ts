// Finds the git commit and branch the running code was built from: first from the variables CI/CD and hosting
// platforms set, then from `git` in the working directory. Deployed apps rarely have a .git directory, so the
// variables come first; a missing, slow or failing git only means the attributes stay unset.

import { execFileSync } from 'node:child_process';

export interface VcsRevision {
  revision?: string;
  branch?: string;
  /** Where the values came from: a CI variable's name, or `git`. */
  source?: string;
}

export interface VcsDetectionOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Ask `git` when no CI variable names the commit. Default true. */
  useGit?: boolean;
  /** Upper bound for the `git` call; detection runs once, synchronously, at start. Default 1000 ms. */
  gitTimeoutMs?: number;
}

/**
 * One platform's variables. Commit and branch are read from the same platform so a stray variable from
 * another tool never pairs one platform's commit with another's branch.
 */
interface CiVariables {
  commit: string;
  branch: readonly string[];
}

/** In order of precedence; the first platform whose commit variable is set wins. */
export const CI_VARIABLES: readonly CiVariables[] = [
  // GitHub Actions: GITHUB_HEAD_REF is the PR's source branch; GITHUB_REF_NAME is "123/merge" on PRs.
  { commit: 'GITHUB_SHA', branch: ['GITHUB_HEAD_REF', 'GITHUB_REF_NAME'] },
  { commit: 'CI_COMMIT_SHA', branch: ['CI_COMMIT_REF_NAME', 'CI_COMMIT_BRANCH'] }, // GitLab CI
  { commit: 'VERCEL_GIT_COMMIT_SHA', branch: ['VERCEL_GIT_COMMIT_REF'] },
  { commit: 'CIRCLE_SHA1', branch: ['CIRCLE_BRANCH'] },
  { commit: 'BITBUCKET_COMMIT', branch: ['BITBUCKET_BRANCH'] },
  { commit: 'BUILDKITE_COMMIT', branch: ['BUILDKITE_BRANCH'] },
  { commit: 'TRAVIS_COMMIT', branch: ['TRAVIS_BRANCH'] },
  { commit: 'BUILD_SOURCEVERSION', branch: ['BUILD_SOURCEBRANCH'] }, // Azure Pipelines
  { commit: 'CODEBUILD_RESOLVED_SOURCE_VERSION', branch: ['CODEBUILD_WEBHOOK_HEAD_REF'] }, // AWS CodeBuild
  { commit: 'RENDER_GIT_COMMIT', branch: ['RENDER_GIT_BRANCH'] },
  { commit: 'RAILWAY_GIT_COMMIT_SHA', branch: ['RAILWAY_GIT_BRANCH'] },
  { commit: 'CF_PAGES_COMMIT_SHA', branch: ['CF_PAGES_BRANCH'] }, // Cloudflare Pages
  { commit: 'HEROKU_SLUG_COMMIT', branch: [] },
  { commit: 'SOURCE_VERSION', branch: [] }, // Heroku build, Scalingo
  { commit: 'GIT_COMMIT', branch: ['GIT_BRANCH'] }, // Jenkins, and a common hand-set convention
  { commit: 'GIT_SHA', branch: ['GIT_BRANCH'] },
  { commit: 'COMMIT_SHA', branch: ['BRANCH_NAME'] }, // Google Cloud Build
];

export function detectVcsRevision(options: VcsDetectionOptions): VcsRevision {
  const fromCi = revisionFromCiVariables(options.env);
  if (fromCi) return fromCi;
  if (options.useGit === false) return {};
  return revisionFromGit(options.cwd, options.env, options.gitTimeoutMs ?? 1000);
}

export function revisionFromCiVariables(env: NodeJS.ProcessEnv): VcsRevision | undefined {
  for (const platform of CI_VARIABLES) {
    const revision = nonEmpty(env[platform.commit]);
    if (!revision) continue;
    let branch: string | undefined;
    for (const name of platform.branch) {
      branch = nonEmpty(env[name]);
      if (branch) break;
    }
    return { revision, branch: branch && shortRefName(branch), source: platform.commit };
  }
  return undefined;
}

/**
 * One `git rev-parse` call prints the commit then the branch ("HEAD" when detached). stderr is dropped so a
 * "not a git repository" message never lands in the app's output.
 */
export function revisionFromGit(cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): VcsRevision {
  let output: string;
  try {
    output = execFileSync('git', ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD'], {
      cwd,
      env,
      timeout: timeoutMs,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
  } catch {
    return {};
  }
  const [revision, branch] = output.trim().split('\n').map((line) => line.trim());
  if (!revision || !/^[0-9a-f]{40,64}$/i.test(revision)) return {};
  return { revision, branch: branch && branch !== 'HEAD' ? branch : undefined, source: 'git' };
}

/** CI variables disagree on form: "refs/heads/main", "origin/main" (Jenkins) and "main" all mean main. */
function shortRefName(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '').replace(/^origin\//, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
