import type { Deployment } from './deployment.js';
import { TargetName, type Target } from './targets.js';

/**
 * What the owner must wait for after a deploy, said once. On AWS, S3 may answer 404 for objects written in the
 * 15 minutes after a bucket's versioning is first enabled: a new stack's first uploads could be logged
 * source_missing. (An unconfirmed e-mail subscription is the drift check's warning, with what to do.)
 */
export function remindersAfterDeploy(target: Target, action: Deployment['action']): string[] {
  if (target.name !== TargetName.aws || action !== 'created') return [];
  return [
    'reminder: wait 15 minutes before the first upload: S3 may answer 404 for files written in the 15 minutes after a bucket is first versioned, and the function would log such a file source_missing (`make reconcile FIX=1 TARGET=aws` then backs it up)',
  ];
}
