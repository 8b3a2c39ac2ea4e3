import { describe, expect, it } from 'vitest';
import { remindersAfterDeploy } from '../../scripts/lib/deploy-reminders.js';
import { capabilitiesOf, embeddedTarget, TargetName, type Target } from '../../scripts/lib/targets.js';

const aws: Target = { name: TargetName.aws, description: 'AWS', region: 'eu-central-1', capabilities: capabilitiesOf.aws, parameterFile: 'cloudformation/parameters/aws.json' };
const FIRST_UPLOAD =
  'reminder: wait 15 minutes before the first upload: S3 may answer 404 for files written in the 15 minutes after a bucket is first versioned, and the function would log such a file source_missing (`make reconcile FIX=1 TARGET=aws` then backs it up)';

describe('what a deploy reminds the owner of', () => {
  it('asks for 15 minutes before the first upload after a stack is created on AWS, where versioning is new', () => {
    // Act
    const created = remindersAfterDeploy(aws, 'created');
    // Assess
    expect(created).toEqual([FIRST_UPLOAD]);
  });

  it('says nothing after an update on AWS, or after any deploy to an emulator, whose reads are never stale', () => {
    // Act
    const reminders = [
      remindersAfterDeploy(aws, 'updated'),
      remindersAfterDeploy(aws, 'unchanged'),
      remindersAfterDeploy(embeddedTarget('http://127.0.0.1:9'), 'created'),
    ];
    // Assess
    expect(reminders).toEqual([[], [], []]);
  });
});
