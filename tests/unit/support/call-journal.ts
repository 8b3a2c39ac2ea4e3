/**
 * Records when each mocked call started and ended on one logical clock, so that a test can count the
 * sequential round trips an invocation needed (calls that overlap count once).
 */
export class CallJournal {
  private clock = 0;
  private readonly calls: { name: string; start: number; end?: number }[] = [];

  begin(name: string): () => void {
    const call: { name: string; start: number; end?: number } = { name, start: ++this.clock };
    this.calls.push(call);
    return () => {
      call.end = ++this.clock;
    };
  }

  /** The round trip (1-based) in which the first call of `name` went out: 1 + the rounds that had to finish before it. */
  roundOf(name: string): number {
    const rounds = new Map<object, number>();
    for (const call of this.calls) {
      const before = this.calls.filter((other) => other.end !== undefined && other.end < call.start).map((other) => rounds.get(other) ?? 0);
      rounds.set(call, 1 + Math.max(0, ...before));
    }
    const first = this.calls.find((call) => call.name === name);
    if (!first) throw new Error(`no ${name} call was made`);
    return rounds.get(first) ?? 0;
  }

  names(): string[] {
    return this.calls.map((call) => call.name);
  }
}
