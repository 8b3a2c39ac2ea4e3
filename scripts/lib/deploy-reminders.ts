import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import type { Deployment } from './deployment.js';
import { TargetName, type Target } from './targets.js';

/**
 * What the owner must do or wait for after a deploy to AWS, said each time it holds. S3 may answer 404 for objects
 * written in the 15 minutes after a bucket's versioning is first enabled: a new stack's first uploads could be logged
 * source_missing. A receipts topic nobody subscribes to (NotificationEmail left empty, as aws.json ships) takes the
 * receipts and the parked-events alarm to no one. (An unconfirmed e-mail subscription is the drift check's warning.)
 */
export async function remindersAfterDeploy(target: Target, deployment: Pick<Deployment, 'action' | 'outputs' | 'parameters' | 'clients'>): Promise<string[]> {
  if (target.name !== TargetName.aws) return [];
  const firstUpload =
    deployment.action === 'created'
      ? ['reminder: wait 15 minutes before the first upload: S3 may answer 404 for files written in the 15 minutes after a bucket is first versioned, and the function would log such a file source_missing (`make reconcile FIX=1 TARGET=aws` then backs it up)']
      : [];
  // With an address, the drift check has looked at its subscription already.
  return [...firstUpload, ...(deployment.parameters.NotificationEmail ? [] : await unheardTopic(deployment))];
}

async function unheardTopic({ outputs, clients }: Pick<Deployment, 'outputs' | 'clients'>): Promise<string[]> {
  const topic = outputs.ReceiptTopicArn;
  const fix = 'set NotificationEmail in cloudformation/parameters/aws.json and run `make deploy-aws` again, or subscribe to the topic yourself';
  try {
    const listed = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
    if ((listed.Subscriptions ?? []).length > 0) return [];
    return [`reminder: nobody subscribes to the receipts topic ${topic}: receipts, and the alarm that says a failed backup's event was parked, reach no one: ${fix}`];
  } catch (error) {
    const { name, message } = error as Error;
    return [`reminder: who subscribes to the receipts topic ${topic} could not be read (${name}: ${message}); if nobody does, receipts and the alarm for parked events reach no one: ${fix}`];
  }
}
