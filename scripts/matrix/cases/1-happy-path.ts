import type { MatrixCase, MatrixContext } from '../types.js';
import { waitFor } from '../../lib/wait.js';
import { backupOf, SECOND_RECEIPT_QUIET_MS, settledReceipts, upload } from '../checks.js';
import { fail, pass } from '../types.js';

/** A small but valid one-page PDF, so that the sample is what a user would really back up. */
export const samplePdf = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

type SesMessages = { messages?: { Id?: string; Body?: { text_part?: string }; Subject?: string }[] };

/**
 * LocalStack sends SNS e-mail through its SES, readable at /_aws/ses; it arrives a little after the SQS copy of
 * the same publish (SES loads on first use), so it is awaited.
 */
async function sesMessageMentioning(context: MatrixContext, text: string): Promise<string | undefined> {
  const find = async () => {
    try {
      const body = (await (await fetch(`${context.target.endpoint}/_aws/ses`)).json()) as SesMessages;
      return body.messages?.find((m) => `${m.Subject} ${m.Body?.text_part}`.includes(text))?.Id;
    } catch {
      return undefined;
    }
  };
  return waitFor(`an e-mail mentioning ${text} in /_aws/ses`, find, { timeoutMs: context.patienceMs, intervalMs: 200 }).catch(() => undefined);
}

export const happyPath: MatrixCase = {
  id: 1,
  name: 'happy path',
  async run(context) {
    const key = `${context.prefix}1-happy/statement 2026 ü.pdf`;
    const versionId = await upload(context, key, samplePdf, { ContentType: 'application/pdf' });
    const backup = await backupOf(context, key, versionId);
    const evidence = [`inbox version ${versionId}`, `backup version ${backup.VersionId} (${backup.ContentType}, ${backup.ContentLength} bytes)`];
    if (backup.ContentType !== 'application/pdf') return fail(`backup lost its Content-Type: ${backup.ContentType}`, evidence);
    const receipt = await context.probe.receiptFor(key, context.patienceMs);
    if (!receipt) return fail('no receipt reached the probe subscription of the topic', evidence);
    evidence.push(`receipt ${receipt.MessageId}: "${receipt.Subject}"`);
    // What it tells the owner must be this upload and its backup, not merely some receipt of the key.
    const attributes = receipt.MessageAttributes ?? {};
    const told = [
      [attributes.sourceVersionId?.Value === versionId, `names source version ${attributes.sourceVersionId?.Value}, not ${versionId}`],
      [attributes.bytes?.Value === String(samplePdf.length), `gives ${attributes.bytes?.Value} bytes, not ${samplePdf.length}`],
      [receipt.Message.includes(`s3://${context.outputs.BackupBucketName} (version ${backup.VersionId})`), `does not name the backup, s3://${context.outputs.BackupBucketName} version ${backup.VersionId}`],
    ] as const;
    const wrong = told.filter(([right]) => !right).map(([, what]) => what);
    if (wrong.length > 0) return fail(`the receipt ${wrong.join('; ')}`, evidence);
    evidence.push(`the receipt names source version ${versionId}, ${samplePdf.length} bytes and backup version ${backup.VersionId}`);
    // One backed-up version, one receipt: a second one is a duplicate the owner would be sent.
    const receipts = await settledReceipts(context, key);
    if (receipts.length !== 1) return fail(`the upload brought ${receipts.length} receipts (${receipts.join(', ')}), expected 1: one backed-up version gets one receipt`, evidence);
    evidence.push(`no second receipt within ${SECOND_RECEIPT_QUIET_MS / 1000} s`);
    if (context.target.capabilities.sesInbox) {
      const email = await sesMessageMentioning(context, key);
      if (!email) return fail('the receipt e-mail is not in LocalStack\'s SES inbox (/_aws/ses)', evidence);
      evidence.push(`e-mail ${email} in /_aws/ses`);
    }
    return pass(evidence);
  },
};
