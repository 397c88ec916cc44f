// The text chat's logic, without the DOM: what one line shows, the unread
// count, and the words for a refused message. chat-panel.js draws it.

/** Local time as "HH:MM" (24 hours). */
export function formatTime(date) {
  const two = (n) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * Who wrote a line, as shown: my name marked "(you)", a known display name,
 * else the user id (a name travels over PeerJS and may not have arrived yet),
 * or "Server" for a message from server code (`from` null).
 *
 * @param {{from: string|null, mine?: boolean, myName?: string, names?: Map<string, string>}} who
 */
export function authorName({ from, mine = false, myName = '', names = new Map() }) {
  if (mine) return `${myName} (you)`;
  if (from === null || from === undefined) return 'Server';
  return names.get(from) ?? from;
}

/** One chat line, ready to show: author, "HH:MM", text, and whether I sent it. */
export function chatEntry({ text, author, mine = false, at = new Date() }) {
  return { text, author, mine, time: formatTime(at), datetime: at.toISOString() };
}

/**
 * The panel's open state and the unread count: messages received while the
 * panel is closed; opening it clears the count.
 */
export class ChatState {
  constructor() {
    this.open = false;
    this.unread = 0;
  }

  setOpen(open) {
    this.open = open;
    if (open) this.unread = 0;
  }

  toggle() {
    this.setOpen(!this.open);
  }

  /** A message from someone else arrived. */
  received() {
    if (!this.open) this.unread += 1;
  }

  /** The badge's text: '' (no badge), '1' … '99', '99+'. */
  get badge() {
    if (this.unread === 0) return '';
    return this.unread > 99 ? '99+' : String(this.unread);
  }

  /** The toggle button's accessible label, unread count included. */
  get buttonLabel() {
    if (this.open) return 'Close chat';
    if (this.unread === 0) return 'Open chat';
    return `Open chat (${this.unread} unread)`;
  }
}

const REFUSALS = {
  'rate-limited': 'Not sent: you are sending messages too fast. Wait a moment.',
  'message-too-large': 'Not sent: the message is too long.',
  'not-joined': 'Not sent: you are not in the room right now. Try again in a moment.',
  'not-connected': 'Not sent: no connection to the server.',
  disconnected: 'Not sent: the connection to the server was lost.',
  timeout: 'Maybe not sent: the server did not answer.',
};

/** A short line telling why a message was refused. */
export function refusalText(error) {
  const known = REFUSALS[error?.code];
  if (known) return known;
  return `Not sent: ${error?.message || error?.code || 'unknown error'}.`;
}
