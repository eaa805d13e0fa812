/* Koliber agent console: one script for the login, queue and ticket pages.
 *
 * The server renders a shell per page (body[data-page]); this script fills it from the JSON
 * API and keeps it live over the console WebSocket. No build step and no dependencies.
 * Customer and agent text is untrusted: it only ever reaches the DOM as text nodes (see h()).
 */
'use strict';

(() => {
  const CONSOLE = '/console';
  const API = CONSOLE + '/api';

  // ---------------------------------------------------------------- DOM helpers

  const $ = (selector, root = document) => root.querySelector(selector);

  /**
   * Creates an element. Children that are strings become text nodes, so nothing passed here
   * is ever parsed as HTML. Props: `class`, `on<event>`, or any attribute (`true` = present,
   * null/false = absent).
   */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // ---------------------------------------------------------------- labels and formatting

  const KIND_LABELS = { live: 'Live chat', message: 'Message', callback: 'Call-back' };
  const CHANNEL_LABELS = { web: 'Web chat', sms: 'SMS', whatsapp: 'WhatsApp', api: 'API', voice: 'Voice', email: 'E-mail',
    messenger: 'Messenger' };
  const REFUSED_LABELS = { too_large: 'too large', type: 'file type not accepted' };
  const AUTHOR_LABELS = { customer: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System' };
  const CONVERSATION_LABELS = { bot: 'with the bot', queued: 'waiting for an agent', agent: 'with an agent' };
  // Why a ticket was opened (contracts/handoff.py REASONS and the gateway's own); unknown codes show as they are.
  const REASON_LABELS = {
    customer_request: 'Asked for a person', repeated_fallback: 'Bot did not understand',
    verification_failed: 'Verification failed', suspected_guessing: 'Suspected guessing (verification locked)',
    complaint: 'Complaint', payment_problem: 'Payment problem', late_delivery: 'Late delivery',
    left_message: 'Left a message', callback: 'Call-back request', engine_unavailable: 'Bot unavailable',
    survey_detractor: 'Unhappy in the NPS survey', unanswered_question: 'Question the bot could not answer',
    low_csat: 'Low conversation rating (CSAT)', shop_unavailable: 'Shop platform did not answer',
    needs_person: 'Shop platform cannot do it: do it by hand',
  };
  const label = (labels, key) => labels[key] || key || '–';
  const upper = (value) => (value || '').toUpperCase();

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

  /** Parses an API timestamp; one without a zone is UTC (as the server stores it), not local. */
  function parseTime(iso) {
    if (!iso) return null;
    const hasTime = /T\d\d:\d\d/.test(iso);
    const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(iso);
    const date = new Date(hasTime && !hasZone ? iso + 'Z' : iso);
    return Number.isNaN(date.getTime()) ? null : date;
  }

  /** A <time> in the browser's locale: only the clock for today, else date and clock. */
  function timeEl(iso, mode = 'auto') {
    const date = parseTime(iso);
    if (!date) return h('time', {}, '–');
    let text;
    if (mode === 'date') text = dateFormat.format(date);
    else if (mode === 'auto' && date.toDateString() === new Date().toDateString()) text = timeFormat.format(date);
    else text = dateTimeFormat.format(date);
    return h('time', { datetime: date.toISOString(), title: fullFormat.format(date) }, text);
  }

  function formatWait(minutes) {
    const m = Math.max(0, Math.floor(Number(minutes) || 0));
    if (m < 1) return '<1 min';
    if (m < 60) return `${m} min`;
    if (m < 24 * 60) return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
    return `${Math.floor(m / (24 * 60))} d ${Math.floor((m % (24 * 60)) / 60)} h`;
  }

  function formatMoney(total, currency) {
    const amount = Number(total);
    if (currency && total !== '' && Number.isFinite(amount)) {
      try {
        return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
      } catch { /* not an ISO currency code: fall through to the raw text */ }
    }
    return [total, currency].filter(Boolean).join(' ');
  }

  const priorityBadge = (priority) =>
    h('span', { class: 'badge priority', 'data-priority': priority }, priority || 'normal');

  const kindBadge = (kind) => h('span', { class: 'kind', 'data-kind': kind }, label(KIND_LABELS, kind));

  // A ticket whose customer the outbox could not reach on their channel (SMS, WhatsApp).
  const DELIVERY_BADGES = {
    failed: ['Unreachable', 'A message to this customer could not be delivered'],
    retrying: ['Not delivered yet', 'A message to this customer was refused; it is being retried'],
  };
  function deliveryBadge(problem) {
    const [text, title] = DELIVERY_BADGES[problem] || [];
    return text ? h('span', { class: 'badge delivery-badge', 'data-problem': problem, title }, text) : null;
  }

  /** A contact string as a tel:/mailto: link when it looks like one; the scheme is ours, so it is safe. */
  function contactNode(contact) {
    if (!contact) return '–';
    if (/^\+?[\d\s().-]{6,}$/.test(contact)) {
      return h('a', { href: 'tel:' + contact.replace(/[^\d+]/g, '') }, contact);
    }
    if (/^[^\s@]+@[^\s@]+$/.test(contact)) return h('a', { href: 'mailto:' + contact }, contact);
    return contact;
  }

  // ---------------------------------------------------------------- JSON API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function goToLogin() {
    window.location.assign(CONSOLE + '/login');
  }

  function errorDetail(body, response) {
    const detail = body && body.detail;
    if (typeof detail === 'string' && detail) return detail;
    // FastAPI's validation errors are a list of {loc, msg, type}.
    if (Array.isArray(detail)) return detail.map((item) => (item && item.msg) || String(item)).join('; ');
    return `Request failed (${response.status}${response.statusText ? ' ' + response.statusText : ''}).`;
  }

  /** Calls the console API; resolves to the parsed JSON, rejects with an ApiError carrying `detail`. */
  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API + path, init);
    } catch {
      throw new ApiError(0, 'Cannot reach the server. Check the connection and try again.');
    }
    const sentToLogin = response.redirected && new URL(response.url).pathname.startsWith(CONSOLE + '/login');
    if (response.status === 401 || sentToLogin) {
      goToLogin();
      return new Promise(() => {}); // never settles: the page is going away
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, errorDetail(data, response));
    return data;
  }

  // ---------------------------------------------------------------- live updates

  /**
   * Keeps one WebSocket open to `path`, reconnecting with jittered exponential back-off
   * (1 s doubling to 30 s) so a restarting server is not stampeded by every open console.
   * `onOpen(reconnected)` lets the page re-sync whatever it missed while the socket was down.
   */
  function liveSocket(path, { onFrame, onOpen }) {
    const indicator = $('#live-status');
    let socket = null;
    let attempt = 0;
    let timer = null;
    let openedBefore = false;
    let stopped = false;

    const show = (state, text) => {
      if (!indicator) return;
      indicator.dataset.state = state;
      indicator.textContent = text;
    };

    function connect() {
      clearTimeout(timer);
      timer = null;
      const scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
      socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener('open', () => {
        attempt = 0;
        show('live', 'Live');
        onOpen(openedBefore);
        openedBefore = true;
      });
      socket.addEventListener('message', (event) => {
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return; // not ours to interpret
        }
        if (frame && typeof frame.type === 'string') onFrame(frame);
      });
      socket.addEventListener('close', (event) => {
        socket = null;
        if (stopped) return;
        if (event.code === 4401) return goToLogin(); // the server's "not signed in"
        show('down', 'Reconnecting…');
        const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
        attempt += 1;
        timer = setTimeout(connect, delay);
      });
    }

    // Back online or back from the page cache: try now instead of waiting out the back-off.
    window.addEventListener('online', () => { if (!socket && !stopped) connect(); });
    window.addEventListener('pagehide', () => {
      stopped = true;
      clearTimeout(timer);
      if (socket) socket.close(1000);
    });
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) {
        stopped = false;
        connect();
      }
    });
    connect();
  }

  /** A dismissable message box (hidden when empty). Info messages clear themselves. */
  function messageBox(node) {
    let timer = null;
    const clear = () => {
      clearTimeout(timer);
      node.hidden = true;
      node.textContent = '';
    };
    node.addEventListener('click', clear);
    return {
      show(text, kind = 'error') {
        clearTimeout(timer);
        node.textContent = text;
        node.dataset.kind = kind;
        node.hidden = false;
        if (kind === 'info') timer = setTimeout(clear, 8000);
      },
      clear,
    };
  }

  // ---------------------------------------------------------------- login page

  function initLogin() {
    const button = $('#login');
    const form = button && button.form;
    if (!form) return;
    // Stop double submits; re-enable when the browser brings the page back from its cache.
    form.addEventListener('submit', () => {
      button.disabled = true;
      button.textContent = 'Signing in…';
    });
    window.addEventListener('pageshow', () => {
      button.disabled = false;
      button.textContent = 'Sign in';
    });
  }

  // ---------------------------------------------------------------- queue page

  function initQueue() {
    const myLanguages = (document.body.dataset.languages || '').split(/\s+/).filter(Boolean);
    const queueTable = $('#queue');
    const queueBody = $('#queue tbody');
    const mineBody = $('#my-tickets tbody');
    const notice = messageBox($('#queue-notice'));
    let seen = null; // ids in the queue at the last render; null until the first one
    let loading = false;
    let again = false;
    let offerTimer = null; // refreshes when a ticket waiting for another agent opens to everyone

    function languageCell(language) {
      const foreign = myLanguages.length > 0 && !myLanguages.includes(language);
      return h('span', {
        class: foreign ? 'lang lang-foreign' : 'lang',
        title: foreign ? 'Not one of your languages' : null,
      }, upper(language));
    }

    function customerCell(ticket) {
      return h('td', { class: 'col-customer' },
        h('div', { class: 'customer-label' }, ticket.customer_label || 'Unknown', ' ', deliveryBadge(ticket.delivery_problem)),
        ticket.order_number ? h('div', { class: 'muted small' }, 'order #' + ticket.order_number) : null);
    }

    const summaryCell = (ticket) =>
      h('td', { class: 'col-summary', title: ticket.summary || null }, h('div', { class: 'clip' }, ticket.summary || ''));

    function queueRow(ticket, fresh) {
      const long = ticket.waiting_minutes >= 10;
      return h('tr', { class: fresh ? 'fresh' : null, 'data-ticket-id': ticket.id, 'data-priority': ticket.priority },
        h('td', { class: 'col-priority' }, priorityBadge(ticket.priority)),
        customerCell(ticket),
        h('td', { class: 'col-lang' }, languageCell(ticket.language)),
        h('td', { class: 'col-channel' }, label(CHANNEL_LABELS, ticket.channel)),
        h('td', { class: 'col-kind' }, kindBadge(ticket.kind),
          // Waits for this agent first: they served this customer before.
          ticket.for_you ? h('span', { class: 'badge for-you', title: 'You served this customer before' }, 'For you') : null),
        h('td', { class: 'col-reason' }, label(REASON_LABELS, ticket.reason)),
        h('td', { class: long ? 'col-wait wait-long' : 'col-wait' }, formatWait(ticket.waiting_minutes)),
        summaryCell(ticket),
        h('td', { class: 'col-action' },
          h('button', { type: 'button', class: 'btn btn-primary btn-small claim', 'data-ticket-id': ticket.id }, 'Claim')));
    }

    function mineRow(ticket) {
      const href = `${CONSOLE}/tickets/${encodeURIComponent(ticket.id)}`;
      return h('tr', { 'data-ticket-id': ticket.id, 'data-priority': ticket.priority },
        h('td', { class: 'col-priority' }, priorityBadge(ticket.priority)),
        customerCell(ticket),
        h('td', { class: 'col-lang' }, languageCell(ticket.language)),
        h('td', { class: 'col-channel' }, label(CHANNEL_LABELS, ticket.channel)),
        h('td', { class: 'col-kind' }, kindBadge(ticket.kind)),
        h('td', { class: 'col-reason' }, label(REASON_LABELS, ticket.reason)),
        h('td', { class: 'col-status' }, h('span', { class: 'ticket-status', 'data-status': ticket.status }, ticket.status)),
        summaryCell(ticket),
        h('td', { class: 'col-action' }, h('a', { class: 'btn btn-small open-ticket', href }, 'Open')));
    }

    const emptyRow = (text) => h('tr', { class: 'empty' }, h('td', { colspan: 9 }, text));

    function render(data) {
      const tickets = (data && data.tickets) || [];
      const mine = (data && data.mine) || [];
      const ids = new Set(tickets.map((ticket) => ticket.id));
      // Newly arrived rows flash once so a change is noticed without reading the table.
      queueBody.replaceChildren(...(tickets.length
        ? tickets.map((ticket) => queueRow(ticket, seen !== null && !seen.has(ticket.id)))
        : [emptyRow('Nobody is waiting.')]));
      mineBody.replaceChildren(...(mine.length
        ? mine.map(mineRow)
        : [emptyRow('You have no open tickets.')]));
      seen = ids;

      $('#queue-count').textContent = String(tickets.length);
      $('#mine-count').textContent = String(mine.length);
      $('#agents-available').textContent = String((data && data.agents_available) || 0);
      $('#queue-updated').textContent = timeFormat.format(new Date());
      clearTimeout(offerTimer);
      if (data && data.refresh_in_seconds) offerTimer = setTimeout(refresh, data.refresh_in_seconds * 1000);
      // The count in the tab title is what agents see while working in another tab.
      document.title = (tickets.length ? `(${tickets.length}) ` : '') + 'Queue · Koliber console';
    }

    /** Fetches and renders the queue; calls that arrive mid-flight collapse into one more fetch. */
    async function refresh() {
      if (loading) {
        again = true;
        return;
      }
      loading = true;
      try {
        render(await api('GET', '/queue'));
      } catch (error) {
        notice.show(error.message);
      } finally {
        loading = false;
        if (again) {
          again = false;
          refresh();
        }
      }
    }

    queueTable.addEventListener('click', async (event) => {
      const button = event.target.closest('button.claim');
      if (!button || button.disabled) return;
      const id = button.dataset.ticketId;
      button.disabled = true;
      button.textContent = 'Claiming…';
      try {
        await api('POST', `/tickets/${encodeURIComponent(id)}/claim`);
        window.location.assign(`${CONSOLE}/tickets/${encodeURIComponent(id)}`);
      } catch (error) {
        // 409: another agent was quicker. Say so and show the queue as it is now.
        notice.show(error.message, error.status === 409 ? 'info' : 'error');
        button.disabled = false;
        button.textContent = 'Claim';
        refresh();
      }
    });

    liveSocket(CONSOLE + '/ws', {
      onFrame: (frame) => { if (frame.type === 'queue_changed') refresh(); },
      // Also on the first open: a change between the first fetch and the socket would be missed.
      onOpen: () => refresh(),
    });
    setInterval(refresh, 30000); // safety net for events lost in transit
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
    refresh();
  }

  // ---------------------------------------------------------------- ticket page

  const attemptsOf = (message) => (message.delivery ? message.delivery.attempts : 0);

  function messageEl(message, conversationChannel) {
    const author = message.author;
    const who = author === 'agent' ? (message.agent_name || 'Agent') : label(AUTHOR_LABELS, author);
    const viaOtherChannel = message.channel && conversationChannel && message.channel !== conversationChannel;
    let understanding = null;
    if (author === 'customer' && message.intent) {
      const confidence = typeof message.confidence === 'number' ? ` ${Math.round(message.confidence * 100)}%` : '';
      understanding = h('span', { class: 'nlu', title: 'Intent the bot recognised, and its confidence' },
        message.intent + confidence);
    }
    return h('div', { class: 'msg', 'data-author': author, 'data-id': message.id, 'data-attempts': attemptsOf(message) },
      h('div', { class: 'msg-meta' },
        h('span', { class: 'who' }, who),
        timeEl(message.created_at),
        viaOtherChannel ? h('span', { class: 'via' }, 'via ' + label(CHANNEL_LABELS, message.channel)) : null,
        understanding),
      h('div', { class: 'msg-text' }, message.text || ''),
      attachmentsEl(message.attachments),
      deliveryNote(message.delivery));
  }

  /** The files a customer sent: kept ones open from the ticket, refused ones say why they were not kept. */
  function attachmentsEl(attachments) {
    if (!attachments || !attachments.length) return null;
    const ticketId = document.body.dataset.ticketId;
    return h('ul', { class: 'attachments' }, attachments.map((file) => h('li', { class: 'attachment' },
      file.refused
        ? h('span', { class: 'refused', title: 'Ask the customer to send it another way' },
          `${file.filename} – not kept: ${label(REFUSED_LABELS, file.refused)}`)
        : h('a', { href: `${API}/tickets/${encodeURIComponent(ticketId)}/attachments/${file.id}`, download: file.filename },
          file.filename),
      h('span', { class: 'size' }, ` ${Math.max(1, Math.round(file.size / 1024))} kB`))));
  }

  /** Under a message the customer's provider has not taken: why, and whether it is being retried. */
  function deliveryNote(delivery) {
    if (!delivery || !delivery.problem) return null;
    const code = delivery.error_code ? ` (error ${delivery.error_code})` : '';
    if (delivery.problem === 'failed') {
      return h('div', { class: 'delivery', 'data-problem': 'failed' },
        `Not delivered: ${delivery.error || 'refused'}${code}`);
    }
    return h('div', { class: 'delivery', 'data-problem': 'retrying', title: `Last refusal: ${delivery.error || '–'}${code}` },
      'Not delivered yet, retrying',
      delivery.next_attempt_at ? [' · next try ', timeEl(delivery.next_attempt_at)] : null);
  }

  function initTicket() {
    const ticketId = document.body.dataset.ticketId;
    const path = `/tickets/${encodeURIComponent(ticketId)}`;
    const transcript = $('#transcript');
    const jumpButton = $('#jump-latest');
    const replyForm = $('#reply-form');
    const replyInput = $('#reply-input');
    const sendButton = $('#send-reply');
    const replyHint = $('#reply-hint');
    const noteForm = $('#note-form');
    const noteInput = $('#note-input');
    const noteButton = $('#add-note');
    const notesList = $('#notes');
    const resolveButton = $('#resolve');
    const handBackButton = $('#hand-back');
    const claimButton = $('#claim');
    const emailForm = $('#email-form');
    const errors = messageBox($('#ticket-error'));
    const draftKey = `koliber.reply-draft.${ticketId}`;

    let ticket = null;
    let conversation = null;
    let loaded = false;
    let busy = false; // a ticket action (claim, resolve, hand back) is in flight
    let acting = false; // an action for the customer (refund, late return, ...) is in flight
    let sending = false;
    let unread = 0; // customer messages that arrived while the tab was hidden
    let title = document.title;

    // The unread count leads the tab title so a new customer line is seen from another tab.
    const showTitle = () => { document.title = (unread ? `(${unread}) ` : '') + title; };

    // --- transcript

    const nearBottom = () => transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 48;

    function scrollToLatest() {
      transcript.scrollTop = transcript.scrollHeight;
      jumpButton.hidden = true;
    }

    /** Inserts messages not shown yet, in id order; returns how many were new. */
    function insertMessages(messages) {
      let added = 0;
      for (const message of messages) {
        if (!message || message.id == null) continue;
        const id = Number(message.id);
        const node = messageEl(message, conversation && conversation.channel);
        const shown = transcript.querySelector(`:scope > .msg[data-id="${CSS.escape(String(message.id))}"]`);
        if (shown) {
          // Sent again with news of its delivery; an older copy (a reply's own response) must not undo that.
          if (attemptsOf(message) >= Number(shown.dataset.attempts)) shown.replaceWith(node);
          continue;
        }
        const last = transcript.lastElementChild;
        if (!last || !last.classList.contains('msg') || Number(last.dataset.id) < id) {
          transcript.append(node); // the usual case: newest message, no search needed
        } else {
          const later = [...transcript.children].find((child) => child.classList.contains('msg') && Number(child.dataset.id) > id);
          transcript.insertBefore(node, later || null);
        }
        added += 1;
      }
      if (added) for (const placeholder of transcript.querySelectorAll('.transcript-empty')) placeholder.remove();
      return added;
    }

    /** Adds messages and keeps the view at the bottom unless the agent scrolled up to read. */
    function addMessages(messages, { follow = false } = {}) {
      const stick = follow || nearBottom();
      const added = insertMessages(messages);
      if (!added) return;
      if (stick) scrollToLatest();
      else jumpButton.hidden = false;
    }

    transcript.addEventListener('scroll', () => { if (nearBottom()) jumpButton.hidden = true; });
    jumpButton.addEventListener('click', scrollToLatest);

    // --- notes

    function addNote(note) {
      if (!note || note.id == null) return;
      if (notesList.querySelector(`.note[data-id="${CSS.escape(String(note.id))}"]`)) return;
      notesList.append(h('li', { class: 'note', 'data-id': note.id },
        h('div', { class: 'note-meta' }, h('span', { class: 'who' }, note.agent_name || 'Agent'), timeEl(note.created_at)),
        h('div', { class: 'note-text' }, note.text || '')));
    }

    // --- ticket facts and controls

    function applyTicket(next) {
      if (!next) return;
      ticket = next;
      const status = $('#ticket-status');
      status.textContent = ticket.status;
      status.dataset.status = ticket.status;
      $('#ticket-customer').textContent = ticket.customer_label || '';
      title = [`#${ticket.id}`, ticket.customer_label, '· Koliber console'].filter(Boolean).join(' ');
      showTitle();

      const summary = $('#ticket-summary');
      summary.textContent = ticket.summary || '';
      summary.hidden = !ticket.summary;

      const waited = ticket.status === 'queued' ? ` · waiting ${formatWait(ticket.waiting_minutes)}` : '';
      const facts = [
        ['Reason', label(REASON_LABELS, ticket.reason)],
        ['Priority', priorityBadge(ticket.priority)],
        ['Kind', kindBadge(ticket.kind)],
        ['Language', upper(ticket.language) || '–'],
        ['Channel', label(CHANNEL_LABELS, ticket.channel)],
        ['Contact', contactNode(ticket.contact)],
        ['Order', ticket.order_number ? '#' + ticket.order_number : null],
        ['Opened', [timeEl(ticket.created_at), waited]],
        ['Position', ticket.status === 'queued' && ticket.position ? String(ticket.position) : null],
        ['Agent', ticket.agent_name],
        ['Conversation', conversation ? label(CONVERSATION_LABELS, conversation.state) : null],
      ];
      $('#facts').replaceChildren(...facts
        .filter(([, value]) => value != null && value !== '')
        .flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
      const emailInput = $('#email-address');
      if (!emailInput.value && ticket.contact && ticket.contact.includes('@')) emailInput.value = ticket.contact;
      syncControls();
    }

    const REPLY_CLOSED = {
      queued: 'Claim this ticket to reply.',
      resolved: 'This ticket is resolved. Replies are closed.',
      returned: 'This conversation was handed back to the bot.',
    };

    function syncControls() {
      const status = ticket ? ticket.status : null;
      const open = status === 'claimed';
      replyInput.disabled = !open;
      sendButton.disabled = !open || sending;
      resolveButton.disabled = !open || busy;
      handBackButton.disabled = !open || busy;
      claimButton.hidden = status !== 'queued';
      claimButton.disabled = busy;
      emailForm.hidden = !open || ticket.channel === 'email';
      $('#action-fields').disabled = !open || acting || !$('#action-order').options.length;
      if (open) {
        replyInput.placeholder = `Reply to the customer (${label(CHANNEL_LABELS, ticket.channel)})…`;
        replyHint.textContent = 'Enter to send · Shift+Enter for a new line';
      } else {
        replyInput.placeholder = (status && REPLY_CLOSED[status]) || 'Replies are closed.';
        replyHint.textContent = '';
      }
    }

    // --- side panel

    function renderCustomer(customer) {
      const box = $('#customer');
      if (!customer) {
        box.replaceChildren(h('p', { class: 'muted' }, 'Not identified yet.'));
        return;
      }
      box.replaceChildren(
        h('div', { class: 'customer-name' }, customer.label || 'Unknown'),
        customer.email ? h('div', {}, h('a', { href: 'mailto:' + customer.email }, customer.email)) : null,
        customer.phone ? h('div', {}, contactNode(customer.phone)) : null);
    }

    function orderEl(order, current) {
      const items = order.items || [];
      const shipping = [order.carrier, order.tracking_number].filter(Boolean);
      return h('article', { class: current ? 'order current' : 'order', 'data-number': order.number },
        h('header', { class: 'order-head' },
          h('strong', { class: 'order-number' }, '#' + order.number),
          h('span', { class: 'order-status', 'data-status': order.status }, (order.status || '').replace(/_/g, ' ')),
          h('span', { class: 'order-total' }, formatMoney(order.total, order.currency))),
        h('div', { class: 'muted small' },
          'Placed ', timeEl(order.placed_at, 'date'),
          order.delivery_postcode ? ` · to ${order.delivery_postcode}` : null),
        items.length
          ? h('ul', { class: 'order-items' }, items.map((item) => h('li', {}, `${item.quantity} × ${item.name}`)))
          : null,
        shipping.length
          ? h('div', { class: 'order-ship' },
            order.carrier ? h('span', {}, order.carrier) : null,
            order.tracking_number ? h('span', { class: 'tracking', title: 'Tracking number' }, order.tracking_number) : null)
          : h('div', { class: 'order-ship muted' }, 'No tracking yet'));
    }

    function renderOrders(orders, currentNumber, unavailable) {
      const list = [...(orders || [])];
      // The order this ticket is about comes first.
      list.sort((a, b) => (b.number === currentNumber) - (a.number === currentNumber));
      $('#orders-count').textContent = list.length ? String(list.length) : '';
      $('#orders').replaceChildren(...(list.length
        ? list.map((order) => orderEl(order, order.number === currentNumber))
        : [h('p', { class: 'muted' }, unavailable
          ? "The shop's platform is not answering: orders cannot be read now."
          : 'No orders found.')]));
    }

    function renderEarlier(conversations) {
      const box = $('#earlier');
      const list = conversations || [];
      // A reload after a reconnect must not fold up what the agent opened.
      const open = new Set([...box.querySelectorAll('details[open]')].map((node) => node.dataset.id));
      $('#earlier-count').textContent = list.length ? String(list.length) : '';
      box.replaceChildren(...(list.length
        ? list.map((earlier) => {
          const messages = earlier.messages || [];
          return h('details', { class: 'earlier', 'data-id': earlier.id, open: open.has(String(earlier.id)) },
            h('summary', {},
              h('span', { class: 'earlier-channel' }, label(CHANNEL_LABELS, earlier.channel)),
              timeEl(earlier.started_at, 'datetime'),
              h('span', { class: 'muted' }, `${messages.length} message${messages.length === 1 ? '' : 's'}`)),
            h('div', { class: 'earlier-messages' }, messages.map((message) => messageEl(message, earlier.channel))));
        })
        : [h('p', { class: 'muted' }, 'None.')]));
    }

    function renderIdentity(identity) {
      const unconfirmed = Boolean(identity && identity.verified_order && !identity.confirmed);
      $('#identity').hidden = !unconfirmed;
      $('#identity-order').textContent = unconfirmed ? '#' + identity.verified_order : '';
      const suggested = identity && identity.suggested_customer;
      $('#suggestion').hidden = !suggested;
      $('#suggested-customer').textContent = suggested || '';
    }

    // --- loading and live updates

    async function load() {
      const first = !loaded;
      try {
        const data = await api('GET', path);
        conversation = data.conversation || null;
        applyTicket(data.ticket);
        renderCustomer(data.customer);
        renderIdentity(await api('GET', `${path}/identity`));
        renderOrders(data.orders, data.ticket && data.ticket.order_number, data.orders_unavailable);
        renderActionOrders(data.orders, data.ticket);
        renderEarlier(data.earlier_conversations);
        addMessages(data.messages || [], { follow: first });
        if (!transcript.querySelector('.msg')) {
          transcript.replaceChildren(h('p', { class: 'transcript-empty' }, 'No messages yet.'));
        }
        (data.notes || []).forEach(addNote);
        loaded = true;
        if (first && !replyInput.disabled) replyInput.focus();
      } catch (error) {
        errors.show(error.message);
        if (first) transcript.replaceChildren(h('p', { class: 'transcript-empty' }, 'Could not load this ticket.'));
      }
    }

    function onFrame(frame) {
      if (frame.type === 'message' && frame.message) {
        addMessages([frame.message]);
        if (frame.message.author === 'customer' && document.hidden) {
          unread += 1;
          showTitle();
        }
      } else if (frame.type === 'note' && frame.note) {
        addNote(frame.note);
      } else if (frame.type === 'ticket' && frame.ticket && String(frame.ticket.id) === String(ticketId)) {
        applyTicket(frame.ticket);
      }
    }

    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && unread) {
        unread = 0;
        showTitle();
      }
    });

    // --- the agent's actions

    /** Any conflict means our picture of the ticket is stale: show the reason and re-read it. */
    function fail(error) {
      errors.show(error.message);
      if (error.status === 409) load();
    }

    function autoGrow() {
      replyInput.style.height = 'auto';
      replyInput.style.height = Math.min(replyInput.scrollHeight, 240) + 'px';
    }

    async function sendReply() {
      const text = replyInput.value.trim();
      if (!text || sending || replyInput.disabled) return;
      sending = true;
      syncControls();
      // Clear at once so the agent can start the next line while this one is in flight.
      replyInput.value = '';
      autoGrow();
      try {
        const data = await api('POST', `${path}/reply`, { text });
        addMessages([data && data.message], { follow: true });
        errors.clear();
        forgetDraft();
      } catch (error) {
        // Give the text back rather than lose it; keep anything typed meanwhile after it.
        replyInput.value = replyInput.value ? `${text}\n${replyInput.value}` : text;
        autoGrow();
        fail(error);
      } finally {
        sending = false;
        syncControls();
        if (!replyInput.disabled) replyInput.focus();
      }
    }

    async function addNoteFromInput() {
      const text = noteInput.value.trim();
      if (!text || noteButton.disabled) return;
      noteButton.disabled = true;
      try {
        const data = await api('POST', `${path}/notes`, { text });
        addNote(data && data.note);
        noteInput.value = '';
        errors.clear();
      } catch (error) {
        fail(error);
      } finally {
        noteButton.disabled = false;
      }
    }

    async function ticketAction(action) {
      if (busy) return;
      busy = true;
      syncControls();
      try {
        const data = await api('POST', `${path}/${action}`);
        applyTicket(data && data.ticket);
        errors.clear();
      } catch (error) {
        fail(error);
      } finally {
        busy = false;
        syncControls();
      }
    }

    // Drafts survive a reload or an accidental navigation (per tab, per ticket).
    function saveDraft() {
      try {
        if (replyInput.value) sessionStorage.setItem(draftKey, replyInput.value);
        else sessionStorage.removeItem(draftKey);
      } catch { /* storage unavailable: drafts are a convenience */ }
    }
    function forgetDraft() {
      try { sessionStorage.removeItem(draftKey); } catch { /* as above */ }
    }
    try {
      const draft = sessionStorage.getItem(draftKey);
      if (draft) replyInput.value = draft;
    } catch { /* as above */ }
    autoGrow();

    // Enter sends, Shift+Enter breaks the line; never while an IME is composing a character.
    function submitOnEnter(send) {
      return (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
          event.preventDefault();
          send();
        }
      };
    }

    replyForm.addEventListener('submit', (event) => { event.preventDefault(); sendReply(); });
    replyInput.addEventListener('keydown', submitOnEnter(sendReply));
    replyInput.addEventListener('input', () => { autoGrow(); saveDraft(); });
    noteForm.addEventListener('submit', (event) => { event.preventDefault(); addNoteFromInput(); });
    noteInput.addEventListener('keydown', submitOnEnter(addNoteFromInput));
    resolveButton.addEventListener('click', () => {
      if (window.confirm(`Resolve ticket #${ticketId}? You cannot reply on it afterwards.`)) {
        ticketAction('resolve');
      }
    });
    handBackButton.addEventListener('click', () => ticketAction('hand-back'));
    const confirmIdentity = async () => {
      if (!window.confirm('Merge this conversation into the customer\'s? Do it only if you are sure it is them.')) return;
      try {
        await api('POST', `${path}/identity/confirm`);
        errors.clear();
        load();
      } catch (error) {
        fail(error);
      }
    };
    $('#confirm-identity').addEventListener('click', confirmIdentity);
    $('#confirm-suggestion').addEventListener('click', confirmIdentity);
    emailForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api('POST', `${path}/email`, { address: $('#email-address').value.trim() });
        errors.clear();
        load();
      } catch (error) {
        fail(error);
      }
    });
    claimButton.addEventListener('click', async () => {
      await ticketAction('claim');
      if (!replyInput.disabled) replyInput.focus();
    });

    // --- acting for the customer: one click with a reason; the customer's confirmation arrives live

    const actionOrder = $('#action-order');
    const actionKind = $('#action-kind');
    const actionResult = $('#action-result');
    let creditLimits = {};
    let orderCurrency = {};
    // One key per intended action: a second click (or a retry) with the same key is done only once.
    const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
      (byte) => byte.toString(16).padStart(2, '0')).join('');
    let actionKey = newKey();

    function renderActionOrders(orders, current) {
      const chosen = actionOrder.value;
      const list = (orders || []).map((order) => [order.number, order.currency]);
      // An order the chat verified counts even when the conversation is not linked to the customer.
      if (current && current.order_verified && current.order_number
          && !list.some(([number]) => number === current.order_number)) list.unshift([current.order_number, null]);
      orderCurrency = Object.fromEntries(list);
      actionOrder.replaceChildren(...list.map(([number]) => h('option', { value: number }, '#' + number)));
      if (chosen && orderCurrency[chosen] !== undefined) actionOrder.value = chosen;
      else if (current && current.order_number && orderCurrency[current.order_number] !== undefined) {
        actionOrder.value = current.order_number;
      }
      syncActionFields();
      syncControls();
    }

    function syncActionFields() {
      const kind = actionKind.value;
      const money = kind === 'refund' || kind === 'goodwill';
      $('#action-amount-row').hidden = !money;
      $('#action-address-row').hidden = kind !== 'new_address';
      const currency = orderCurrency[actionOrder.value];
      const limit = currency ? creditLimits[currency] : null;
      $('#action-limit').textContent = currency
        ? (limit ? `· up to ${formatMoney(limit, currency)}` : `· agents may not refund ${currency}`) : '';
    }

    async function doAction(event) {
      event.preventDefault();
      if (acting) return;
      const kind = actionKind.value;
      const body = { kind, order_number: actionOrder.value, reason: $('#action-reason').value.trim(), key: actionKey };
      if (kind === 'refund' || kind === 'goodwill') body.amount = $('#action-amount').value;
      if (kind === 'new_address') {
        body.address = { street: $('#action-street').value, postcode: $('#action-postcode').value,
          city: $('#action-city').value };
      }
      acting = true;
      syncControls();
      actionResult.textContent = 'Working…';
      try {
        const result = await api('POST', `${path}/actions`, body);
        if (result.message) addMessages([result.message], { follow: true });
        actionResult.textContent = result.repeated ? 'Already done.' : 'Done. The customer has been told.';
        // The same action and order stay chosen; what was typed goes, and the next click is a new action.
        actionForm.querySelectorAll('input, textarea').forEach((field) => { field.value = ''; });
        actionKey = newKey();
        errors.clear();
      } catch (error) {
        actionResult.textContent = '';
        fail(error);
      } finally {
        acting = false;
        syncActionFields();
        syncControls();
      }
    }

    const actionForm = $('#action-form');
    actionForm.addEventListener('submit', doAction);
    actionKind.addEventListener('change', syncActionFields);
    actionOrder.addEventListener('change', syncActionFields);
    api('GET', `${path}/actions`).then((data) => {
      creditLimits = (data && data.credit_limits) || {};
      syncActionFields();
    }).catch(() => { /* the form still works; the server checks the limit */ });

    liveSocket(`${CONSOLE}/ws?ticket=${encodeURIComponent(ticketId)}`, {
      onFrame,
      // Whatever happened while we were disconnected is only in the API: read it again.
      onOpen: (reconnected) => { if (reconnected && loaded) load(); },
    });
    load();
  }

  // ---------------------------------------------------------------- start

  const pages = { login: initLogin, queue: initQueue, ticket: initTicket };
  const start = pages[document.body.dataset.page];
  if (start) start();
})();
