import type { Stack } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import { deletedGroupNotice, LogFollower, logLine, missingGroup } from '../../scripts/lib/log-follower.js';

const event = (eventId: string, timestamp: number) => ({ eventId, timestamp, message: eventId });

describe('LogFollower', () => {
  it('shows a line that arrives after a later line of another environment, once', () => {
    // Prepare: environment B's line at 10 s is read first; A's line at 3 s is taken in later
    const follower = new LogFollower(0, 60_000);
    const first = follower.fresh([event('b-10s', 10_000)], follower.since());
    // Act
    const since = follower.since();
    const second = follower.fresh([event('a-3s', 3_000), event('b-10s', 10_000)], since);
    // Assess
    expect(since).toBe(0);
    expect([first, second].map((read) => read.map((line) => line.eventId))).toEqual([['b-10s'], ['a-3s']]);
  });

  it('reads the whole window asked for until a line is shown, however far back it starts', () => {
    // Prepare: --since 60, two minutes of lookback
    const hourAgo = Date.now() - 3_600_000;
    const follower = new LogFollower(hourAgo, 120_000);
    // Act
    const first = follower.since();
    const quiet = (follower.fresh([], first), follower.since());
    // Assess
    expect([first, quiet]).toEqual([hourAgo, hourAgo]);
  });

  it('reads from the start asked for, then a lookback before the newest line shown, and forgets what fell out of it', () => {
    // Prepare
    const follower = new LogFollower(1_000, 60_000);
    follower.fresh([event('early', 2_000)], follower.since());
    follower.fresh([event('late', 190_000)], follower.since());
    // Act
    const later = follower.since();
    const again = follower.fresh([event('early', 2_000), event('late', 190_000), event('later', 195_000)], later);
    // Assess
    expect(later).toBe(130_000);
    expect(again.map((line) => line.eventId)).toEqual(['early', 'later']);
  });
});

describe('logLine', () => {
  it('prints an event with its time, its tabs and line breaks as they are and every other control character escaped', () => {
    // Prepare: a REPORT line (tab-separated) and a decision naming a key that holds a bidi override and an escape
    const report = { timestamp: Date.UTC(2026, 10, 30), message: 'REPORT RequestId: r1\tDuration: 9.1 ms\t\n' };
    const decision = { timestamp: Date.UTC(2026, 10, 30, 0, 0, 1), message: '{"message":"copied","key":"invoice\u202Efdp.exe\u001bx"}\nsecond line' };
    // Act
    const lines = [report, decision].map(logLine);
    // Assess
    expect(lines).toEqual([
      '2026-11-30T00:00:00.000Z  REPORT RequestId: r1\tDuration: 9.1 ms',
      '2026-11-30T00:00:01.000Z  {"message":"copied","key":"invoice\\u202efdp.exe\\x1bx"}\nsecond line',
    ]);
  });

  it("shows a multi-line console.log on its lines: the runtime joins them with carriage returns into one event", () => {
    // Prepare
    const joined = { timestamp: Date.UTC(2026, 10, 30), message: '2026-11-30T00:00:00.000Z\tr1\tINFO\tfirst\rsecond\r\n' };
    // Act
    const line = logLine(joined);
    // Assess
    expect(line).toBe('2026-11-30T00:00:00.000Z  2026-11-30T00:00:00.000Z\tr1\tINFO\tfirst\nsecond');
  });
});

describe('deletedGroupNotice', () => {
  const GROUP = '/aws/lambda/backup-kit-backup';

  it('on AWS says the function cannot make the group again, that its lines are lost meanwhile, and the commands that make it', () => {
    // Act: the template's role may only write into the group its stack made (no logs:CreateLogGroup)
    const notice = deletedGroupNotice({ name: 'aws' }, GROUP, '30');
    // Assess
    expect(notice).toBe(
      `${GROUP} was deleted, and the function cannot make it again (its role may only write into the group its stack made, not create one): ` +
        `every line it logs is lost until the group is back. Make it again: \`aws logs create-log-group --log-group-name ${GROUP}\`, then ` +
        `\`aws logs put-retention-policy --log-group-name ${GROUP} --retention-in-days 30\` (the stack's LogRetentionDays); waiting for it`,
    );
  });

  it('on an emulator says the next invocation makes it again, as both emulators do whatever the role allows', () => {
    // Act
    const notices = (['embedded', 'localstack'] as const).map((name) => deletedGroupNotice({ name }, GROUP, '7'));
    // Assess
    expect(new Set(notices)).toEqual(new Set([`${GROUP} was deleted; the function's next invocation makes it again: waiting for it`]));
  });
});

describe('missingGroup', () => {
  const GROUP = '/aws/lambda/backup-kit-backup';
  const embedded = { name: 'embedded', region: 'us-east-1' } as const;
  const stackIn = (StackStatus: string): Stack => ({ StackName: 'backup-kit', StackStatus: StackStatus as Stack['StackStatus'], StackStatusReason: 'the inbox is not empty', CreationTime: new Date() });

  it.each(['DELETE_FAILED', 'DELETE_IN_PROGRESS'])('in %s stops: the stack’s delete took it, and nothing makes it again', (status) => {
    // Act
    const missing = missingGroup(embedded, GROUP, '7', stackIn(status));
    // Assess
    expect(missing).toEqual({
      stop:
        `${GROUP} is gone with the stack's delete (stack backup-kit on embedded is in ${status} (the inbox is not empty)): ` +
        'run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`',
    });
  });

  it('waits for a group deleted by hand from a stack that stays, in trouble or not', () => {
    // Act
    const missing = ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_FAILED'].map((status) => missingGroup(embedded, GROUP, '7', stackIn(status)));
    // Assess
    expect(missing).toEqual([1, 2].map(() => ({ wait: deletedGroupNotice(embedded, GROUP, '7') })));
  });

  it('stops when the stack is gone too', () => {
    // Act
    const missing = missingGroup(embedded, GROUP, '7', undefined);
    // Assess
    expect(missing).toEqual({ stop: `${GROUP} is gone with its stack: \`make deploy TARGET=embedded\` makes both again` });
  });
});
