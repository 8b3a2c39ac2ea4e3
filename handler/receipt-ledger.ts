/**
 * The receipts this execution environment has sent, by request, key and source version. A retry that Lambda
 * runs in the same environment, or a second record of one batch, then sends no receipt twice; after a crash or
 * a timeout the environment is new, and a retry sends the receipt again (at least once).
 */
export class ReceiptLedger {
  private readonly sent = new Set<string>();

  constructor(private readonly capacity = 1000) {}

  has(requestId: string, key: string, sourceVersionId: string): boolean {
    return this.sent.has(entry(requestId, key, sourceVersionId));
  }

  add(requestId: string, key: string, sourceVersionId: string): void {
    this.sent.add(entry(requestId, key, sourceVersionId));
    // A Set iterates in insertion order: the oldest entry goes first.
    if (this.sent.size > this.capacity) this.sent.delete(this.sent.values().next().value!);
  }
}

const entry = (requestId: string, key: string, sourceVersionId: string) => JSON.stringify([requestId, key, sourceVersionId]);
