import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { evaluateConditions, resolveIfs } from '../../scripts/lib/conditions.js';
import { parameterNameSuggestion, parameterProblem, wholeNumberProblem } from '../../scripts/lib/parameter-constraints.js';
import { parametersFor, parseOverrides, stackNameOf } from '../../scripts/lib/parameters.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { loadTemplate } from '../../scripts/lib/template.js';

describe('parseOverrides', () => {
  it('reads Name=Value pairs, keeping = in values', () => {
    // Act
    const overrides = parseOverrides(['FunctionMemoryMb=1024', 'NotificationEmail=a=b@example.com']);
    // Assess
    expect(overrides).toEqual({ FunctionMemoryMb: '1024', NotificationEmail: 'a=b@example.com' });
  });

  it('explains the expected form', () => {
    // Act
    const parse = () => parseOverrides(['FunctionMemoryMb']);
    // Assess
    expect(parse).toThrow('must look like Name=Value');
  });

  it('names the stack after its prefix', () => {
    // Assess
    expect(stackNameOf({ NamePrefix: 'kit-a' })).toBe('kit-a');
    expect(stackNameOf({})).toBe('backup-kit');
  });
});

describe('a parameter file that cannot be used', () => {
  it('is a usage error that names the file, and the parameter whose value is not one', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'parameters-'));
    const files = { comma: '{ "NamePrefix": "kit", }', nullValue: '{ "NamePrefix": "kit", "FunctionMemoryMb": null }', list: '["NamePrefix"]' };
    const targets = await Promise.all(
      Object.entries(files).map(async ([name, text]) => {
        const parameterFile = join(dir, `${name}.json`);
        await writeFile(parameterFile, text);
        return { ...embeddedTarget('http://127.0.0.1:9'), parameterFile };
      }),
    );
    // Act
    const errors = await Promise.all(targets.map((target) => parametersFor(target).then(() => undefined, (error: Error) => error)));
    // Assess
    expect(errors.every((error) => error instanceof UsageError)).toBe(true);
    expect(errors[0]?.message).toMatch(new RegExp(`^${join(dir, 'comma.json')} is not valid JSON \\(.+\\): fix it, or restore the kit's with \`git checkout cloudformation/parameters/embedded.json\`$`));
    expect(errors[1]?.message).toBe(`${join(dir, 'nullValue.json')}: FunctionMemoryMb must be a string, a number or true/false, not null`);
    expect(errors[2]?.message).toBe(`${join(dir, 'list.json')} must be a JSON object of parameter names to values, e.g. { "FunctionMemoryMb": 1024 }`);
  });
});

describe('parameter constraints, checked before a deploy writes anything', () => {
  it.each([
    [{ CopyConcurrency: '0' }, "Parameter 'CopyConcurrency' must be a number not less than 1"],
    [{ NamePrefix: 'UPPER_case' }, 'Parameter NamePrefix failed to satisfy constraint: 3-20 characters, lower-case letters, digits and hyphens, starting with a letter, not with xn--, sthree- or amzn-s3-demo- (S3 reserves them for bucket names).'],
    [{ NamePrefix: 'xn--backup' }, 'Parameter NamePrefix failed to satisfy constraint: 3-20 characters, lower-case letters, digits and hyphens, starting with a letter, not with xn--, sthree- or amzn-s3-demo- (S3 reserves them for bucket names).'],
    [{ NamePrefix: 'sthree-kit' }, 'Parameter NamePrefix failed to satisfy constraint: 3-20 characters, lower-case letters, digits and hyphens, starting with a letter, not with xn--, sthree- or amzn-s3-demo- (S3 reserves them for bucket names).'],
    [{ NamePrefix: 'amzn-s3-demo-kit' }, 'Parameter NamePrefix failed to satisfy constraint: 3-20 characters, lower-case letters, digits and hyphens, starting with a letter, not with xn--, sthree- or amzn-s3-demo- (S3 reserves them for bucket names).'],
    [{ NotificationEmail: 'not-an-email' }, 'Parameter NotificationEmail failed to satisfy constraint: an e-mail address, or empty for no e-mail subscription.'],
    [{ MultipartThresholdBytes: '1' }, "Parameter 'MultipartThresholdBytes' must be a number not less than 5242880"],
    [{ FunctionMemoryMb: '20000' }, "Parameter 'FunctionMemoryMb' must be a number not greater than 10240"],
    [{ FunctionTimeoutSeconds: 'abc' }, "Parameter 'FunctionTimeoutSeconds' must be a number."],
    [{ LogRetentionDays: '2' }, "Parameter 'LogRetentionDays' must be one of AllowedValues"],
    [{ CopyConcurency: '4' }, 'Parameters: [CopyConcurency] do not exist in the template'],
    [{ FunctionMemoryMb: '0x400' }, "Parameter 'FunctionMemoryMb' must be a number."],
    [{ FunctionMemoryMb: ' 1024' }, "Parameter 'FunctionMemoryMb' must be a number."],
    [{ LogRetentionDays: '2', CopyConcurrency: '0' }, "Parameter 'CopyConcurrency' must be a number not less than 1"],
  ])('%j is refused in CloudFormation\'s words', async (given, message) => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const problem = parameterProblem(template, given);
    // Assess
    expect(problem).toBe(message);
  });

  it.each([
    [{ FunctionMemoryMB: '1024' }, 'did you mean FunctionMemoryMb instead of FunctionMemoryMB?'],
    [{ 'function-memory-mb': '1024' }, 'did you mean FunctionMemoryMb instead of function-memory-mb?'],
    [{ CopyConcurency: '4', LogRetentionDay: '7' }, 'did you mean CopyConcurrency instead of CopyConcurency; LogRetentionDays instead of LogRetentionDay?'],
    [{ Memory: '1024' }, undefined],
    [{ 'artifact-key': 'x.zip' }, undefined],
    [{ FunctionMemoryMb: '1024' }, undefined],
  ])('%j: an unknown name is answered with the declared one it is closest to, if any is close', async (given, suggestion) => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const suggested = parameterNameSuggestion(template, given, ['ArtifactBucket', 'ArtifactKey', 'KeptBackupBucket']);
    // Assess
    expect(suggested).toBe(suggestion);
  });

  it.each(['+512', '1024.', '1024.50', '.55e3', '1.5e3', '1E+3', '2048e-1', '0.0512e04'])('accepts the decimal number %j, as the embedded emulator\'s check does', async (value) => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const problem = parameterProblem(template, { FunctionMemoryMb: value });
    // Assess
    expect(problem).toBeUndefined();
  });

  it.each([
    ['CopyConcurrency', '2.5', "the function's environment (COPY_CONCURRENCY), whose configuration check takes digits only"],
    ['CopyConcurrency', '+4', "the function's environment (COPY_CONCURRENCY), whose configuration check takes digits only"],
    ['FunctionMemoryMb', '1.5e3', "Lambda's MemorySize, which takes a whole number"],
    ['MultipartThresholdBytes', '67108864.0', "the function's environment (MULTIPART_THRESHOLD_BYTES), whose configuration check takes digits only"],
    ['MaximumEventAgeSeconds', '600.0', "Lambda's MaximumEventAgeInSeconds, which takes a whole number"],
    // Settings of S3, not of Lambda: the error named Lambda's settings for them too.
    ['BackupNoncurrentVersionRetentionDays', '1.5', "S3's LifecycleConfiguration (NoncurrentDays), which takes a whole number"],
    ['BackupObjectLockDays', '2.5', "S3's ObjectLockConfiguration (Days), which takes a whole number"],
  ])('refuses %s=%j, a number CloudFormation takes, before a deploy writes, naming what it would reach: %s', async (name, value, consumer) => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const cloudFormation = parameterProblem(template, { [name]: value });
    const kit = wholeNumberProblem(template, { [name]: value });
    // Assess
    expect(cloudFormation).toBeUndefined();
    expect(kit).toBe(`Parameter '${name}' must be a whole number in digits, such as ${String(template.Parameters[name]?.Default)}: CloudFormation takes ${value}, but the kit hands it to ${consumer}`);
  });

  it.each([
    ['FunctionMemoryMb', '0768', '768'],
    ['CopyConcurrency', '008', '8'],
    ['BackupNoncurrentVersionRetentionDays', '00', '0'],
  ])('refuses %s=%j, with leading zeros that the settings drop and the drift check would then see as a change', async (name, value, meant) => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const problem = wholeNumberProblem(template, { [name]: value });
    // Assess
    expect(problem).toBe(`Parameter '${name}' must be written without leading zeros, as ${meant}: settings read it as that number, and the drift check would then find ${value} changed`);
  });

  it('takes whole numbers in digits, and leaves the other parameters to CloudFormation', async () => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const problem = wholeNumberProblem(template, { CopyConcurrency: '16', FunctionMemoryMb: '1024', BackupNoncurrentVersionRetentionDays: '0', NamePrefix: 'kit-1.5', NotificationEmail: '' });
    // Assess
    expect(problem).toBeUndefined();
  });

  it.each(['1.x', '.x', '1ex', '1e', '1e+', '.', '1.5.2'])('refuses %j, which is no number, before any constraint', async (value) => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const problem = parameterProblem(template, { FunctionMemoryMb: value });
    // Assess
    expect(problem).toBe("Parameter 'FunctionMemoryMb' must be a number.");
  });

  it('refuses a string shorter than its MinLength, and takes one as long', async () => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const empty = parameterProblem(template, { ArtifactKey: '' });
    const one = parameterProblem(template, { ArtifactKey: 'k' });
    // Assess
    expect(empty).toBe("Parameter 'ArtifactKey' must contain at least 1 characters");
    expect(one).toBeUndefined();
  });

  it('accepts every parameter file of the kit', async () => {
    // Prepare
    const template = await loadTemplate();
    const files = ['embedded', 'localstack', 'aws'].map((name) => ({ ...embeddedTarget('http://127.0.0.1:9'), parameterFile: `cloudformation/parameters/${name}.json`, name: name as 'embedded' }));
    // Act
    const problems = await Promise.all(files.map(async (target) => parameterProblem(template, await parametersFor(target))));
    // Assess
    expect(problems).toEqual([undefined, undefined, undefined]);
  });
});

describe('template conditions', () => {
  it('follow the parameters, with template defaults for the rest', async () => {
    // Prepare
    const template = await loadTemplate();
    // Act
    const defaults = evaluateConditions(template, {});
    const changed = evaluateConditions(template, { NotificationEmail: 'me@example.com', EnableAuditTrail: 'true', ReceiptPublishAllowed: 'false', BackupNoncurrentVersionRetentionDays: '30', BackupObjectLockDays: '7', KeptBackupBucket: 'true' });
    // Assess
    expect(defaults).toEqual({ HasNotificationEmail: false, AuditTrailEnabled: false, PublishAllowed: true, ExpiresNoncurrentVersions: false, BackupVersionsLocked: false, BackupBucketCreated: true });
    expect(changed).toEqual({ HasNotificationEmail: true, AuditTrailEnabled: true, PublishAllowed: false, ExpiresNoncurrentVersions: true, BackupVersionsLocked: true, BackupBucketCreated: false });
  });

  it('evaluate a Condition that reads a pseudo parameter with the stack\'s value, and refuse by name a Ref it cannot know', async () => {
    // Prepare: a template edited to read the region and the stack's name in its Conditions
    const template = await loadTemplate();
    const edited = { ...template, Conditions: { InMeSouth: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'me-south-1'] } } };
    const named = { ...template, Conditions: { IsMain: { 'Fn::Equals': [{ Ref: 'AWS::StackName' }, 'backup-kit'] } } };
    // Act
    const there = evaluateConditions(edited, {}, { 'AWS::Region': 'me-south-1' });
    const elsewhere = evaluateConditions(edited, {}, { 'AWS::Region': 'eu-west-1' });
    const unknown = () => evaluateConditions(named, {}, { 'AWS::Region': 'eu-west-1' });
    // Assess
    expect(there).toEqual({ InMeSouth: true });
    expect(elsewhere).toEqual({ InMeSouth: false });
    expect(unknown).toThrow('Ref AWS::StackName in a Condition is not supported by the drift check');
  });

  it('resolve Fn::If branches and drop AWS::NoValue', () => {
    // Act
    const resolved = resolveIfs({ list: [{ 'Fn::If': ['A', 'yes', { Ref: 'AWS::NoValue' }] }, 'kept'] }, { A: false });
    // Assess
    expect(resolved).toEqual({ list: ['kept'] });
  });
});
