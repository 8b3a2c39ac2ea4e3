import type { Child, FC } from 'hono/jsx';
import { binarySize } from '../../../handler/binary-size.js';
import { holdsControlCharacters, shownName } from '../../../handler/shown-name.js';
import { TargetName } from '../../lib/targets.js';
import type { Place } from '../backend.js';

/** What every form that posts needs: the session token, and on aws the account the owner must name. */
export type Session = { readonly token: string; readonly place: Place };

export const Layout: FC<{ place: Place; title: string; children?: Child }> = ({ place, title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title} · backup-kit console</title>
      <link rel="stylesheet" href="/console.css" />
    </head>
    <body>
      <header>
        <a class="home" href="/">
          backup-kit console
        </a>
        <span class={`place place-${place.target}`}>
          target <strong>{place.target}</strong> · account <strong>{place.account}</strong> · region <strong>{place.region}</strong>
        </span>
      </header>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

/**
 * A stack in trouble that still names its resources (StackView's `trouble`): its state and the way out, on every page
 * that reads it, as the verbs that only read say it in a `note:` first.
 */
export const TroubleNotice: FC<{ trouble: string }> = ({ trouble }) => (
  <p class="problem" id="stack-trouble">
    {`${trouble}. Meanwhile the console reads what the stack names; what would change something (a redrive, a repair, a restore into the inbox) is refused until the stack is out of this state.`}
  </p>
);

/**
 * A form that posts an action: it carries the session token, and one that writes on aws asks the owner to type
 * the account id, so that nothing is written to an account by a stray click.
 */
export const ActionForm: FC<{
  session: Session;
  action: string;
  label: string;
  writes: boolean;
  /** The form writes only when the owner ticks a box in it: the account id is asked for, not required. */
  writesWhenTicked?: boolean;
  children?: Child;
  danger?: boolean;
}> = ({ session, action, label, writes, writesWhenTicked, children, danger }) => (
  <form method="post" action={action} class="action">
    <input type="hidden" name="token" value={session.token} />
    {children}
    {writes && session.place.target === TargetName.aws && (
      <label class="confirm-account">
        {writesWhenTicked ? 'writing' : 'this writes'} to AWS account {session.place.account}: type its id to confirm{' '}
        <input name="confirmAccount" required={!writesWhenTicked} autocomplete="off" inputmode="numeric" size={14} />
      </label>
    )}
    <button type="submit" class={danger ? 'danger' : undefined}>
      {label}
    </button>
  </form>
);

/** A size a person reads at a glance; the exact bytes are in its title. */
export const Bytes: FC<{ bytes: number }> = ({ bytes }) => <span title={`${bytes} bytes`}>{binarySize(bytes) ?? `${bytes} B`}</span>;

export const Time: FC<{ at: Date }> = ({ at }) => <time datetime={at.toISOString()}>{at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>;

export const keyHref = (key: string) => `/key?key=${encodeURIComponent(key)}`;

/**
 * A key as it is, with the blanks at either end marked (`a.txt` and `a.txt ` looked the same; the mark is styling
 * only, so the text stays the key's own), or, when it holds control characters, as the scripts print it (shownName).
 */
export const KeyName: FC<{ name: string }> = ({ name }) => {
  const shown = holdsControlCharacters(name) ? shownName(name) : name;
  const [, lead = '', middle = shown, trail = ''] = shown === name ? (/^(\s*)([\s\S]*?)(\s*)$/.exec(name) ?? []) : [];
  return (
    <>
      {lead && <span class="edge-blank">{lead}</span>}
      {middle}
      {trail && <span class="edge-blank">{trail}</span>}
    </>
  );
};

/**
 * A key as a form field carries it: percent-encoded, as a browser turns a carriage return in a field's value into a
 * line feed and sends every line break as CR LF, so `docs/cr\r.txt` came back as another key. The server decodes it.
 */
export const keyFieldValue = (key: string) => encodeURIComponent(key);
