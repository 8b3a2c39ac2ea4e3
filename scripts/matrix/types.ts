import type { Clients } from '../lib/clients.js';
import type { StackOutputs } from '../lib/outputs.js';
import type { Parameters } from '../lib/parameters.js';
import type { ReceiptProbe } from '../lib/receipt-probe.js';
import type { Target } from '../lib/targets.js';

export const CaseOutcome = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', simulated: 'SIMULATED' } as const;
export type CaseOutcome = (typeof CaseOutcome)[keyof typeof CaseOutcome];

/** What a case observed: its outcome, why (for FAIL, SKIP and SIMULATED), and the evidence a person can check. */
export type Verdict = {
  readonly outcome: CaseOutcome;
  readonly reason?: string;
  readonly evidence: readonly string[];
};

export type CaseResult = Verdict & {
  readonly id: number;
  readonly name: string;
  readonly durationMs: number;
};

/** A case of the matrix a run did not get to, and why: left out by CASE=, or the run was stopped before it. */
export type NotRunCase = { readonly id: number; readonly name: string; readonly why: string };

export type MatrixContext = {
  readonly target: Target;
  readonly clients: Clients;
  readonly outputs: StackOutputs;
  readonly parameters: Parameters;
  /** A key prefix unique to this run, so that runs repeat on the same stack. */
  readonly prefix: string;
  readonly probe: ReceiptProbe;
  readonly accountId: string;
  /** How long to wait for a backup or a receipt. */
  readonly patienceMs: number;
  readonly log: (line: string) => void;
  /** Aborted at the run's first Ctrl-C: a case that waits long (CloudTrail's delivery) stops waiting. */
  readonly signal?: AbortSignal;
};

export type MatrixCase = {
  readonly id: number;
  readonly name: string;
  /** Set on a case that may show its behaviour by an injected fault (SIMULATED) where a target cannot produce the cause. */
  readonly simulable?: true;
  run(context: MatrixContext): Promise<Verdict>;
};

export const pass = (evidence: string[]): Verdict => ({ outcome: CaseOutcome.pass, evidence });
export const fail = (reason: string, evidence: string[] = []): Verdict => ({ outcome: CaseOutcome.fail, reason, evidence });
export const skip = (reason: string): Verdict => ({ outcome: CaseOutcome.skip, reason, evidence: [] });
export const simulated = (how: string, evidence: string[]): Verdict => ({ outcome: CaseOutcome.simulated, reason: how, evidence });
