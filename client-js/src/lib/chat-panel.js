// The text chat panel: the toggle button with its unread badge, the message
// list and the form. Text from others goes in with textContent only. My own
// lines appear once the server has acknowledged them, so the list never shows
// a line the others did not get; a refusal shows one line saying why.
import { chatData } from './app-messages.js';
import { authorName, ChatState, chatEntry, refusalText } from './chat.js';

// The oldest lines go beyond this many, so a long call cannot grow the page forever.
const MAX_LINES = 500;

/**
 * @param {Document} doc
 * @param {object} options
 * @param {import('./messenger.js').Messenger} options.messenger
 * @param {() => string} options.getName my display name
 * @param {Map<string, string>} options.names display names of the others by user id
 * @returns {{received: (from: string|null, text: string) => void, state: ChatState}}
 */
export function setupChat(doc, { messenger, getName, names }) {
  const $ = (id) => doc.getElementById(id);
  const [panel, toggle, badge, list, form, input, error] =
    ['chat', 'btn-chat', 'chat-unread', 'chat-list', 'chat-form', 'chat-input', 'chat-error'].map($);
  const state = new ChatState();

  function render() {
    panel.hidden = !state.open;
    toggle.setAttribute('aria-pressed', String(state.open));
    toggle.title = state.buttonLabel; // the name stays "Chat"; this is its description
    badge.textContent = state.badge;
    badge.hidden = state.badge === '';
  }

  function append(entry) {
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(line(doc, entry));
    while (list.children.length > MAX_LINES) list.firstElementChild.remove();
    if (atBottom || entry.mine) list.scrollTop = list.scrollHeight;
  }

  function showError(text) {
    error.textContent = text ?? '';
    error.hidden = !text;
  }

  async function send(text) {
    const data = chatData(text);
    if (!data) return;
    const reply = await messenger.send(data);
    if (!reply.ok) return showError(refusalText(reply.error));
    showError(null);
    if (input.value === text) input.value = ''; // unless the user typed on meanwhile
    append(chatEntry({ text: data.text, author: authorName({ mine: true, myName: getName() }), mine: true }));
  }

  toggle.addEventListener('click', () => {
    state.toggle();
    render();
    if (state.open) input.focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault(); // no navigation: the form only exists for Enter and the button
    send(input.value);
  });
  render();

  return {
    state,
    received(from, text) {
      append(chatEntry({ text, author: authorName({ from, names }) }));
      state.received();
      render();
    },
  };
}

/** One list item: author, time, text, each as text. */
function line(doc, { text, author, mine, time, datetime }) {
  const item = doc.createElement('li');
  item.className = mine ? 'chat-line mine' : 'chat-line';
  item.dataset.testid = 'chat-line';
  const who = doc.createElement('span');
  who.className = 'chat-author';
  who.textContent = author;
  const when = doc.createElement('time');
  when.className = 'chat-time';
  when.dateTime = datetime;
  when.textContent = time;
  const body = doc.createElement('p');
  body.className = 'chat-text';
  body.textContent = text;
  item.append(who, ' ', when, body);
  return item;
}
