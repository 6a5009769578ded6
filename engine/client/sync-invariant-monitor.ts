import { isGreen, type SyncStatus } from './sync-status.ts';

/**
 * Checks G1 from outside the client: integration tests feed it the server's commits
 * (as the server saw them) and the client's status over time, and it lists every
 * moment the light was green although a server commit older than `freshnessMs`
 * had not reached the client. The client's own bookkeeping cannot vouch for
 * itself; this compares it against the server's ground truth.
 */
export interface ServerCommit {
  readonly version: number;
  readonly committedAt: number;
}

export interface StatusObservation {
  readonly at: number;
  readonly status: SyncStatus;
  readonly appliedServerVersion: number;
}

export interface InvariantViolation {
  readonly observation: StatusObservation;
  /** The oldest commit the green light was hiding. */
  readonly missing: ServerCommit;
}

export interface InvariantMonitor {
  recordServerCommit(version: number, committedAt: number): void;
  recordObservation(observation: StatusObservation): void;
  violations(): readonly InvariantViolation[];
}

export function createInvariantMonitor(options: { readonly freshnessMs: number }): InvariantMonitor {
  const commits: ServerCommit[] = [];
  const observations: StatusObservation[] = [];
  return {
    recordServerCommit(version, committedAt) {
      commits.push({ version, committedAt });
    },
    recordObservation(observation) {
      observations.push(observation);
    },
    violations() {
      return findViolations(commits, observations, options.freshnessMs);
    },
  };
}

/** Commits and observations may be recorded in any order; each observation is judged at its own instant. */
export function findViolations(
  commits: readonly ServerCommit[],
  observations: readonly StatusObservation[],
  freshnessMs: number,
): readonly InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  for (const observation of observations) {
    if (!isGreen(observation.status)) continue;
    let missing: ServerCommit | null = null;
    for (const commit of commits) {
      const overdue = observation.at - commit.committedAt > freshnessMs;
      if (!overdue || commit.version <= observation.appliedServerVersion) continue;
      if (missing === null || commit.committedAt < missing.committedAt) missing = commit;
    }
    if (missing !== null) violations.push({ observation, missing });
  }
  return violations;
}
