import { describe, expect, it } from 'vitest';
import { conditionOf, deletable, needsRecovery, recoveryAdvice, StackCondition } from '../../scripts/lib/stack-state.js';

const aws = { name: 'aws', region: 'eu-central-1' } as const;
const embedded = { name: 'embedded', region: 'us-east-1' } as const;
const localstack = { name: 'localstack', region: 'us-east-1' } as const;

describe('conditionOf', () => {
  it.each([
    ['CREATE_COMPLETE', StackCondition.ready],
    ['UPDATE_COMPLETE', StackCondition.ready],
    ['IMPORT_COMPLETE', StackCondition.ready],
    ['IMPORT_ROLLBACK_COMPLETE', StackCondition.rolledBack],
    ['UPDATE_ROLLBACK_COMPLETE', StackCondition.rolledBack],
    ['ROLLBACK_COMPLETE', StackCondition.failedCreate],
    ['UPDATE_ROLLBACK_FAILED', StackCondition.needsRecovery],
    ['ROLLBACK_FAILED', StackCondition.needsRecovery],
    ['DELETE_FAILED', StackCondition.needsRecovery],
    ['CREATE_FAILED', StackCondition.needsRecovery],
    ['UPDATE_FAILED', StackCondition.needsRecovery],
    ['IMPORT_ROLLBACK_FAILED', StackCondition.needsRecovery],
    ['UPDATE_IN_PROGRESS', StackCondition.busy],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', StackCondition.busy],
    ['REVIEW_IN_PROGRESS', StackCondition.busy],
  ])('%s is %s', (status, condition) => {
    // Assess
    expect(conditionOf(status)).toBe(condition);
  });
});

describe('recoveryAdvice', () => {
  it('on aws, continues a failed update rollback or deletes the stack', () => {
    // Act
    const advice = recoveryAdvice(aws, 'backup-kit', 'UPDATE_ROLLBACK_FAILED');
    // Assess
    expect(advice).toBe(
      "fix what stopped the rollback (the stack's events name it), then `aws cloudformation continue-update-rollback --stack-name backup-kit --region eu-central-1` (with --resources-to-skip for resources that cannot roll back) and `make deploy-aws` again; or delete the stack with `make destroy TARGET=aws YES=1`",
    );
  });

  it.each([
    ['ROLLBACK_FAILED', /^delete it with `make destroy TARGET=aws YES=1`, then `make deploy-aws`$/],
    ['DELETE_FAILED', /then run `make destroy TARGET=aws YES=1` again \(it empties the inbox first; the backups are kept\)/],
    ['UPDATE_FAILED', /rollback was disabled: roll it back with `aws cloudformation rollback-stack --stack-name backup-kit --region eu-central-1`, or delete it with `make destroy TARGET=aws YES=1`/],
    ['CREATE_FAILED', /rollback was disabled: roll it back with `aws cloudformation rollback-stack --stack-name backup-kit --region eu-central-1`, or delete it with `make destroy TARGET=aws YES=1`/],
    ['UPDATE_IN_PROGRESS', /an operation is still running: wait until it ends \(`aws cloudformation describe-stacks --stack-name backup-kit --region eu-central-1`\) and run this again$/],
    ['REVIEW_IN_PROGRESS', /never executed and nothing was created: run `make destroy TARGET=aws YES=1`, then `make deploy-aws`/],
  ])('on aws, %s says what to type', (status, advice) => {
    // Assess
    expect(recoveryAdvice(aws, 'backup-kit', status)).toMatch(advice);
  });

  it.each(['ROLLBACK_FAILED', 'UPDATE_ROLLBACK_FAILED', 'CREATE_FAILED'])('on aws, offers to keep a resource CloudFormation cannot delete only where DeleteStack takes RetainResources, not in %s', (status) => {
    // Assess: CloudFormation takes RetainResources for a stack in DELETE_FAILED only (its DeleteStack reference)
    expect(recoveryAdvice(aws, 'backup-kit', status)).not.toContain('--retain-resources');
  });

  it('on aws, a failed delete says which resources CloudFormation can leave out of the delete, and what is then left to do', () => {
    // Act
    const advice = recoveryAdvice(aws, 'backup-kit', 'DELETE_FAILED');
    // Assess
    expect(advice).toBe(
      "fix what stopped the delete (the stack's events name it), then run `make destroy TARGET=aws YES=1` again (it empties the inbox first; the backups are kept); " +
        'a resource that cannot be deleted can be left out of the delete with `aws cloudformation delete-stack --stack-name backup-kit --region eu-central-1 --retain-resources <LogicalId>` ' +
        '(CloudFormation takes it in DELETE_FAILED only): it is then left as it is, outside any stack: a bucket left so keeps its objects and stops the next `make deploy-aws` (the template names its buckets) until you have copied out what you need and deleted it',
    );
  });

  it.each(['UPDATE_ROLLBACK_FAILED', 'DELETE_FAILED', 'UPDATE_IN_PROGRESS'])('on the embedded emulator, %s is destroyed and deployed again', (status) => {
    // Assess
    expect(recoveryAdvice(embedded, 'backup-kit', status)).toBe('run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`');
  });

  it.each([
    { target: aws, advice: 'fix the cause and run `make deploy-aws` again (it replaces the failed stack)' },
    { target: embedded, advice: 'fix the cause and run `make deploy TARGET=embedded` again (it replaces the failed stack)' },
    { target: localstack, advice: 'fix the cause and run `make deploy TARGET=localstack` again (it replaces the failed stack)' },
  ])('on $target.name, a failed create (ROLLBACK_COMPLETE) is deployed again, which replaces it', ({ target, advice }) => {
    // Assess
    expect(recoveryAdvice(target, 'backup-kit', 'ROLLBACK_COMPLETE')).toBe(advice);
  });

  it.each([
    { target: aws, advice: 'the stack was rolled back to how it was before this update and works as it did: fix the cause and run `make deploy-aws` again' },
    { target: localstack, advice: 'the stack was rolled back to how it was before this update and works as it did: fix the cause and run `make deploy TARGET=localstack` again' },
  ])('on $target.name, a rolled-back update (UPDATE_ROLLBACK_COMPLETE) is deployed again, never destroyed', ({ target, advice }) => {
    // Assess
    expect(recoveryAdvice(target, 'backup-kit', 'UPDATE_ROLLBACK_COMPLETE')).toBe(advice);
  });

  it('on localstack, a stuck operation is waited for, or LocalStack restarted', () => {
    // Assess
    expect(recoveryAdvice(localstack, 'backup-kit', 'CREATE_IN_PROGRESS')).toMatch(/if it never ends, restart LocalStack \(`make down`, then `make up`\)$/);
    expect(recoveryAdvice(localstack, 'backup-kit', 'UPDATE_ROLLBACK_FAILED')).toBe('run `make destroy TARGET=localstack`, then `make deploy TARGET=localstack`');
  });
});

describe('needsRecovery', () => {
  it('names the stack, the target, the status and its reason, then the way out', () => {
    // Act
    const error = needsRecovery(embedded, { StackName: 'kit', StackStatus: 'DELETE_FAILED', StackStatusReason: 'bucket not empty', CreationTime: new Date() });
    // Assess
    expect(error.message).toBe('stack kit on embedded is in DELETE_FAILED (bucket not empty): run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`');
  });
});

describe('deletable', () => {
  it('waits for a running operation on aws and localstack, never on the embedded emulator', () => {
    // Assess
    expect(deletable(aws, 'UPDATE_IN_PROGRESS')).toBe(false);
    expect(deletable(localstack, 'DELETE_IN_PROGRESS')).toBe(false);
    expect(deletable(aws, 'REVIEW_IN_PROGRESS')).toBe(true);
    expect(deletable(aws, 'UPDATE_ROLLBACK_FAILED')).toBe(true);
    expect(deletable(embedded, 'UPDATE_IN_PROGRESS')).toBe(true);
  });
});
