// The invite button: the system share sheet where there is one (phones), the
// clipboard elsewhere, and the link itself on screen when neither works.

/**
 * @param {object} navigator the page's navigator (share and clipboard are optional)
 * @param {string} url the room link
 * @returns {Promise<'shared'|'cancelled'|'copied'|'shown'>} what happened
 */
export async function invite(navigator, url) {
  if (typeof navigator.share === 'function') {
    try {
      await navigator.share({ title: 'Join my video room', url });
      return 'shared';
    } catch (err) {
      // The user closed the share sheet: nothing to say. Other failures fall back to copying.
      if (err?.name === 'AbortError') return 'cancelled';
    }
  }
  try {
    await navigator.clipboard.writeText(url);
    return 'copied';
  } catch {
    return 'shown';
  }
}

/** The status line after `invite`, or null for none. */
export function inviteMessage(outcome, url) {
  switch (outcome) {
    case 'copied':
      return 'Invite link copied to the clipboard.';
    case 'shown':
      return `Share this link to invite someone: ${url}`;
    default:
      return null;
  }
}
