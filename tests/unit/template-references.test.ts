import { describe, expect, it } from 'vitest';
import { loadTemplate, referenceProblem, type Template } from '../../scripts/lib/template.js';

const base: Template = {
  Parameters: { Suffix: { Type: 'String' } },
  Conditions: { WithQueue: { 'Fn::Equals': [{ Ref: 'Suffix' }, 'q'] } },
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Condition: 'WithQueue', Properties: { QueueName: { 'Fn::Sub': ['kit-${Local}-${AWS::Region}', { Local: { Ref: 'Suffix' } }] } } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::If': ['WithQueue', { 'Fn::GetAtt': ['Queue', 'QueueName'] }, 'none'] } } },
  },
  Outputs: { TopicArn: { Value: { Ref: 'Topic' } } },
};

const withResource = (extra: Record<string, unknown>): Template => ({ ...base, Resources: { ...base.Resources, ...(extra as Template['Resources']) } });

describe("a template's references", () => {
  it("find nothing wrong in the kit's own template, in one whose Fn::Sub names its own variables, nor in one a macro expands", async () => {
    // Prepare: SAM's Transform makes FunctionRole from Function, which only its expansion names
    const expanded: Template = { ...withResource({ Function: { Type: 'AWS::Serverless::Function' } }), Transform: 'AWS::Serverless-2016-10-31', Outputs: { Role: { Value: { Ref: 'FunctionRole' } } } };
    // Act
    const problems = [referenceProblem(await loadTemplate()), referenceProblem(base), referenceProblem(expanded)];
    // Assess
    expect(problems).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    ['a Ref', withResource({ Other: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { Ref: 'Sufix' } } } }), 'Template format error: Unresolved resource dependencies [Sufix] in the Resources block of the template'],
    ['a GetAtt', withResource({ Other: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::GetAtt': ['Queu', 'QueueName'] } } } }), 'Template format error: Unresolved resource dependencies [Queu] in the Resources block of the template'],
    ['a ${Name} in Fn::Sub', withResource({ Other: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::Sub': '${Topic.TopicName}-${Prefix}' } } } }), 'Template format error: Unresolved resource dependencies [Prefix] in the Resources block of the template'],
    ['a DependsOn', withResource({ Other: { Type: 'AWS::SNS::Topic', DependsOn: ['Topic', 'Queue2'] } }), 'Template format error: Unresolved resource dependencies [Queue2] in the Resources block of the template'],
    ['a DependsOn naming a parameter', withResource({ Other: { Type: 'AWS::SNS::Topic', DependsOn: 'Suffix' } }), 'Template format error: Unresolved resource dependencies [Suffix] in the Resources block of the template'],
    ['a GetAtt in its string form', withResource({ Other: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::GetAtt': 'Missing.TopicName' } } } }), 'Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template'],
    ['an output', { ...base, Outputs: { Arn: { Value: { Ref: 'Topc' } } } }, 'Template format error: Unresolved resource dependencies [Topc] in the Outputs block of the template'],
    ['a resource Condition', withResource({ Other: { Type: 'AWS::SNS::Topic', Condition: 'WithQeue' } }), 'Template format error: Unresolved condition dependencies [WithQeue]: not declared in the Conditions block of the template'],
    ['an Fn::If', withResource({ Other: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::If': ['Nope', 'a', 'b'] } } } }), 'Template format error: Unresolved condition dependencies [Nope]: not declared in the Conditions block of the template'],
    ['a circle', withResource({ A: { Type: 'AWS::SNS::Topic', DependsOn: 'B' }, B: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::GetAtt': ['A', 'TopicName'] } } } }), 'Circular dependency between resources: [A, B]'],
  ])('name what is wrong in %s, in CloudFormation\'s words', (_where, template, problem) => {
    // Act
    const found = referenceProblem(template);
    // Assess
    expect(found).toBe(problem);
  });
});
