import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { logEvents } from '../lib/observe.js';

/** One REPORT line of the function: how long the invocation took, and its init when it was a cold start. */
export type InvocationReport = { readonly timestamp: number; readonly durationMs: number; readonly initMs?: number };

const REPORT = /^REPORT RequestId: \S+\s+Duration: ([\d.]+) ms.*?(?:Init Duration: ([\d.]+) ms)?\s*$/;

/** The function's REPORT lines since a moment, oldest first (the same lines on every target). */
export async function invocationReports(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number): Promise<InvocationReport[]> {
  const reports: InvocationReport[] = [];
  for (const event of await logEvents(logs, logGroupName, sinceMs)) {
    const match = REPORT.exec(event.message?.trim() ?? '');
    if (!match) continue;
    reports.push({ timestamp: event.timestamp ?? 0, durationMs: Number(match[1]), ...(match[2] ? { initMs: Number(match[2]) } : {}) });
  }
  return reports.sort((a, b) => a.timestamp - b.timestamp);
}
