/*
 * Koliber chat widget. A shop embeds it with one tag:
 *
 *   <script src="https://GATEWAY/chat/widget.js" defer></script>
 *
 * Everything else (stylesheet, interface texts, WebSocket) is derived from that URL, so the
 * widget needs no configuration. The interface language follows <html lang>, or the tag's
 * optional data-lang attribute. Plain modern JavaScript, no dependencies; the only global is
 * window.KoliberChat with open() and close().
 */
(function () {
  "use strict";

  // A second copy of the tag must not build a second widget.
  if (window.KoliberChat) return;

  // document.currentScript is only set while this file first runs, so capture it now.
  const scriptEl = document.currentScript || document.querySelector('script[src*="/chat/widget.js"]');
  if (!scriptEl || !scriptEl.src) return;

  const scriptUrl = new URL(scriptEl.src, document.baseURI);
  // The gateway may sit under a path prefix (https://shop.example/support/chat/widget.js).
  const prefixMatch = scriptUrl.pathname.match(/^(.*)\/chat\/widget\.js$/);
  const BASE = scriptUrl.origin + (prefixMatch ? prefixMatch[1] : "");
  const WS_URL = BASE.replace(/^http/, "ws") + "/chat/ws";
  const STORAGE_KEY = "koliber-chat:" + BASE;
  const LANG = (scriptEl.dataset.lang || document.documentElement.lang || "").toLowerCase().startsWith("pl") ? "pl" : "en";

  const MAX_LENGTH = 2000;
  const PING_INTERVAL_MS = 25000;
  // The rating question's buttons (bot/conversations/satisfaction.py): drawn as stars.
  const RATING_PAYLOAD = "!rate:";
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 15000;
  const ERROR_VISIBLE_MS = 6000;
  const PAYLOAD_HUMAN = "/request_human";
  const PAYLOAD_LEAVE_MESSAGE = "!leave_message";
  // Error codes the gateway answers a rejected "message" frame with (instead of an ack).
  const MESSAGE_ERRORS = new Set(["bad_message", "message_too_long", "rate_limited"]);

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICON_CHAT = "M5 4h14a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-5 4v-4H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  const ICON_SEND = "M4 12l16-8-6 16-2.5-6.5z";

  // ---------------------------------------------------------------------------------------
  // Small helpers

  let texts = {};
  let colours = {};
  // CLDR's plural rules, as the browser has them: which form of a text goes with a number.
  const PLURAL_RULES = {
    cardinal: new Intl.PluralRules(LANG),
    ordinal: new Intl.PluralRules(LANG, { type: "ordinal" }),
  };

  /**
   * Interface text by key, with {placeholders} filled from vars. A missing key shows itself. A text
   * that goes with a number is a map of forms by plural category (config/widget_texts.yml): `count`
   * picks one by the cardinal rules ("3 minuty", "5 minut") or, with rules "ordinal", by the ordinal
   * ones ("3rd").
   */
  function t(key, vars, count, rules = "cardinal") {
    let template = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    if (template && typeof template === "object") {
      const category = count === undefined ? "other" : PLURAL_RULES[rules].select(Number(count));
      template = template[category] ?? template.other ?? key;
    }
    template = String(template);
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  }

  function hasText(key) {
    return Object.prototype.hasOwnProperty.call(texts, key);
  }

  /** Creates an element; "text" sets textContent, so untrusted strings never become markup. */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    if (children) node.append(...children);
    return node;
  }

  function icon(pathData, className) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "koliber-icon" + (className ? " " + className : ""));
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    svg.append(path);
    return svg;
  }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // randomUUID exists only in secure contexts; shops on plain http still have getRandomValues.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    return date.toLocaleString(LANG === "pl" ? "pl-PL" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Storage can be disabled or full (private windows, strict cookie settings); the chat then
  // still works, it just forgets the conversation on reload.
  const store = {
    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(STORAGE_KEY));
        return saved && saved.conversation_id && saved.token ? saved : null;
      } catch (err) {
        return null;
      }
    },
    save(conversation) {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(conversation));
      } catch (err) {
        /* not persisted; see above */
      }
    },
    clear() {
      try {
        localStorage.removeItem(STORAGE_KEY);
      } catch (err) {
        /* nothing to clear */
      }
    },
  };

  // ---------------------------------------------------------------------------------------
  // State

  const state = {
    conversation: store.load(), // {conversation_id, token} once the gateway created one
    socket: null,
    ready: false, // the current socket has received "welcome"
    started: false, // connect() has been called at least once
    retryDelay: RETRY_MIN_MS,
    retryTimer: null,
    pingTimer: null,
    errorTimer: null,
    chatState: "bot", // "bot" | "queued" | "agent"
    agentName: null,
    availability: null,
    queue: null,
    lastSeen: null, // highest message id on screen, sent in "hello" to fetch only what was missed
    shown: new Map(), // message id -> element
    buttons: new Map(), // message id -> quick replies (drawn under the latest message only)
    pending: new Map(), // client_id -> {clientId, text, payload, el, id, socket}; insertion order = send order
    stickToBottom: true, // was the transcript scrolled to the end before the current frame?
    open: false,
    openWhenReady: false,
    unread: 0,
  };

  let ui = null;

  // ---------------------------------------------------------------------------------------
  // DOM

  function build() {
    const launcher = el("button", {
      id: "koliber-launcher",
      class: "koliber-launcher",
      type: "button",
      "aria-controls": "koliber-panel",
      "aria-expanded": "false",
    }, [icon(ICON_CHAT, "koliber-icon-chat"), icon(ICON_CLOSE, "koliber-icon-close")]);
    const badge = el("span", { class: "koliber-badge", "aria-hidden": "true", hidden: true });
    launcher.append(badge);

    const closeButton = el("button", {
      class: "koliber-close",
      type: "button",
      "aria-label": t("close"),
      title: t("close"),
    }, [icon(ICON_CLOSE)]);
    const header = el("div", { class: "koliber-header" }, [
      el("div", { class: "koliber-heading" }, [
        el("h2", { id: "koliber-title", class: "koliber-title", text: t("title") }),
        el("p", { class: "koliber-subtitle", text: t("subtitle") }),
      ]),
      closeButton,
    ]);

    const status = el("div", { id: "koliber-status", class: "koliber-status", role: "status", hidden: true });
    const noticeBody = el("div", { class: "koliber-notice-body" });
    const notice = el("div", { id: "koliber-notice", class: "koliber-notice", hidden: true }, [noticeBody]);
    const transcript = el("div", {
      id: "koliber-transcript",
      class: "koliber-transcript",
      role: "log",
      "aria-live": "polite",
      "aria-label": t("transcript_label"),
      tabindex: "0",
    }, [el("div", { class: "koliber-intro", text: t("intro") })]);
    const typing = el("div", { id: "koliber-typing", class: "koliber-typing" }, [
      el("span", { class: "koliber-dot", "aria-hidden": "true" }),
      el("span", { class: "koliber-dot", "aria-hidden": "true" }),
      el("span", { class: "koliber-dot", "aria-hidden": "true" }),
      el("span", { class: "koliber-sr-only", text: t("typing") }),
    ]);
    const error = el("div", { class: "koliber-error", role: "alert", hidden: true });

    const human = el("button", { id: "koliber-human", class: "koliber-action", type: "button", hidden: true, text: t("human_button") });
    const leave = el("button", {
      id: "koliber-leave-message",
      class: "koliber-action",
      type: "button",
      hidden: true,
      text: t("leave_message_button"),
    });
    const availabilityNote = el("p", { class: "koliber-availability", hidden: true });
    const actions = el("div", { class: "koliber-actions", hidden: true }, [human, leave, availabilityNote]);

    const input = el("textarea", {
      id: "koliber-input",
      class: "koliber-input",
      rows: "1",
      maxlength: String(MAX_LENGTH),
      placeholder: t("input_placeholder"),
      "aria-label": t("input_label"),
    });
    const send = el("button", { id: "koliber-send", class: "koliber-send", type: "submit", "aria-label": t("send"), title: t("send") }, [
      icon(ICON_SEND),
    ]);
    const form = el("form", { class: "koliber-composer" }, [input, send]);

    const panel = el("div", {
      id: "koliber-panel",
      class: "koliber-panel",
      role: "dialog",
      "aria-labelledby": "koliber-title",
      hidden: true,
    }, [header, status, notice, transcript, error, el("div", { class: "koliber-footer" }, [actions, form])]);

    const root = el("div", { class: "koliber-root", lang: LANG }, [panel, launcher]);
    applyColours(root);
    document.body.append(root);

    ui = { root, launcher, badge, panel, status, notice, noticeBody, transcript, typing, error, human, leave, availabilityNote, actions, input, send, form };

    launcher.addEventListener("click", () => setOpen(!state.open));
    closeButton.addEventListener("click", () => setOpen(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") setOpen(false);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitInput();
    });
    input.addEventListener("keydown", (event) => {
      // isComposing: Enter that confirms an IME candidate must not send half a word.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitInput();
      }
    });
    input.addEventListener("input", () => {
      autosize();
      if (input.value.length >= MAX_LENGTH) showError(t("error_message_too_long", { max: MAX_LENGTH }, MAX_LENGTH));
    });
    human.addEventListener("click", () => sendAction(human, PAYLOAD_HUMAN));
    leave.addEventListener("click", () => sendAction(leave, PAYLOAD_LEAVE_MESSAGE));

    updateLauncher();
    renderChrome();
  }

  function setOpen(open) {
    if (!ui) {
      state.openWhenReady = open;
      return;
    }
    if (open === state.open) return;
    state.open = open;
    ui.panel.hidden = !open;
    if (open) {
      state.unread = 0;
      if (!state.started) connect();
      scrollToBottom(true);
      ui.input.focus();
    } else if (ui.panel.contains(document.activeElement)) {
      ui.launcher.focus();
    }
    updateLauncher();
  }

  function updateLauncher() {
    const { launcher, badge } = ui;
    launcher.setAttribute("aria-expanded", String(state.open));
    let label = t(state.open ? "launcher_close" : "launcher_open");
    if (state.unread > 0) label += ". " + t("launcher_unread", { count: state.unread }, state.unread);
    launcher.setAttribute("aria-label", label);
    badge.hidden = state.unread === 0;
    badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
  }

  function setStatus(key) {
    ui.status.hidden = !key;
    ui.status.textContent = key ? t(key) : "";
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
    clearTimeout(state.errorTimer);
    state.errorTimer = setTimeout(() => {
      ui.error.hidden = true;
    }, ERROR_VISIBLE_MS);
  }

  function autosize() {
    const { input } = ui;
    input.style.height = "auto";
    input.style.height = input.scrollHeight + 2 + "px";
  }

  function isNearBottom() {
    const { transcript } = ui;
    return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
  }

  function scrollToBottom(force) {
    // Do not yank a customer who scrolled up to reread something.
    if (force || state.stickToBottom) ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  /** Notice bar and footer actions: both follow the conversation state and availability. */
  function renderChrome() {
    const { notice, noticeBody, human, leave, actions, availabilityNote } = ui;
    const availability = state.availability;
    const live = Boolean(availability && availability.live);
    const inBot = state.chatState === "bot";
    const queued = state.chatState === "queued";

    noticeBody.replaceChildren();
    notice.className = "koliber-notice";
    if (queued) {
      const queue = state.queue || {};
      const facts = [];
      if (queue.position !== null && queue.position !== undefined) {
        facts.push(t("queue_position", { position: queue.position }, queue.position, "ordinal"));
      }
      if (queue.wait_minutes !== null && queue.wait_minutes !== undefined) {
        facts.push(t("queue_wait", { minutes: queue.wait_minutes }, queue.wait_minutes));
      }
      notice.classList.add("koliber-notice--queued");
      noticeBody.append(el("p", { class: "koliber-notice-title", text: t("queue_title") }));
      if (facts.length) noticeBody.append(el("p", { class: "koliber-notice-facts", text: facts.join(" · ") }));
      noticeBody.append(el("p", { class: "koliber-notice-text", text: t("queue_meanwhile") }));
    } else if (state.chatState === "agent") {
      notice.classList.add("koliber-notice--agent");
      const text = state.agentName ? t("agent_notice", { agent: state.agentName }) : t("agent_notice_anonymous");
      noticeBody.append(el("p", { class: "koliber-notice-title", text }));
    }
    notice.hidden = !noticeBody.firstChild;

    // A person is offered only when someone is live and the customer is not already queued or
    // talking to them. While queued, leaving a message is the alternative to waiting, so the
    // same button moves into the queue notice with wording to match. It is moved only when its
    // place changes: re-inserting a node drops keyboard focus from it.
    human.hidden = !(inBot && live);
    leave.hidden = !(queued || (inBot && !live));
    leave.textContent = t(queued ? "queue_leave_button" : "leave_message_button");
    if (queued && leave.parentNode !== notice) notice.append(leave);
    if (!queued && leave.parentNode !== actions) actions.insertBefore(leave, availabilityNote);

    let note = "";
    if (availability && !live && state.chatState !== "agent") {
      note = availability.next_open ? t("offline_back", { next_open: availability.next_open }) : t("offline");
    } else if (availability && live && inBot && availability.wait_minutes !== null && availability.wait_minutes !== undefined) {
      note = t("live_wait", { minutes: availability.wait_minutes }, availability.wait_minutes);
    }
    availabilityNote.textContent = note;
    availabilityNote.hidden = !note;
    actions.hidden = human.hidden && (queued || leave.hidden) && !note;
  }

  // ---------------------------------------------------------------------------------------
  // Transcript

  function messageElement(author, text, agentName) {
    const node = el("div", { class: `koliber-msg koliber-msg--${author}`, "data-author": author });
    if (author === "agent") node.append(el("div", { class: "koliber-msg-name", text: agentName || t("agent_default_name") }));
    node.append(el("div", { class: "koliber-msg-text", text }));
    return node;
  }

  /** Keeps server order when history and live pushes interleave; bubbles awaiting an ack stay last. */
  function insertById(node, id) {
    let before = null;
    for (const other of ui.transcript.querySelectorAll(".koliber-msg")) {
      const waiting = other.classList.contains("koliber-msg--pending");
      if (waiting || (other.dataset.id && Number(other.dataset.id) > id)) {
        before = other;
        break;
      }
    }
    ui.transcript.insertBefore(node, before || (ui.typing.isConnected ? ui.typing : null));
  }

  function markShown(id, node) {
    node.dataset.id = String(id);
    state.shown.set(id, node);
    if (state.lastSeen === null || id > state.lastSeen) state.lastSeen = id;
  }

  function markSent(entry) {
    entry.el.classList.remove("koliber-msg--pending");
    const status = entry.el.querySelector(".koliber-msg-status");
    if (status) status.remove();
  }

  /**
   * The customer's own message can come back as a "message" frame before its ack (or in the
   * history after a reconnect that lost the ack). Adopt the waiting bubble with the same text
   * so it is not shown twice; the ack that follows confirms it.
   */
  function claimPending(message) {
    for (const entry of state.pending.values()) {
      if (entry.id === null && entry.text === message.text) {
        entry.id = message.id;
        markSent(entry);
        return entry.el;
      }
    }
    return null;
  }

  /** Renders one server message; returns true if it was new. */
  function renderMessage(message) {
    if (!message || typeof message.id !== "number" || state.shown.has(message.id)) return false;
    let node = message.author === "customer" ? claimPending(message) : null;
    if (!node) {
      node = messageElement(message.author, message.text || "", message.agent_name);
      insertById(node, message.id);
    }
    if (message.created_at) node.title = formatTime(message.created_at);
    markShown(message.id, node);
    const buttons = Array.isArray(message.buttons) ? message.buttons : [];
    if (buttons.length && (message.author === "bot" || message.author === "system")) state.buttons.set(message.id, buttons);
    if (message.author !== "customer") hideTyping();
    return true;
  }

  /** Quick replies belong to the latest message only: once anything follows, they are stale. */
  function renderQuickReplies() {
    for (const row of ui.transcript.querySelectorAll(".koliber-quick-replies")) row.remove();
    const messages = ui.transcript.querySelectorAll(".koliber-msg");
    const last = messages[messages.length - 1];
    const lastId = last && last.dataset.id ? Number(last.dataset.id) : null;
    for (const id of state.buttons.keys()) if (id !== lastId) state.buttons.delete(id);
    const buttons = lastId === null ? null : state.buttons.get(lastId);
    if (!buttons) return;

    if (buttons.every((button) => String(button.payload || "").startsWith(RATING_PAYLOAD))) {
      last.after(ratingStars(buttons, lastId));
      return;
    }
    const row = el("div", { class: "koliber-quick-replies", role: "group" });
    for (const button of buttons) {
      const node = el("button", { class: "koliber-quick-reply", type: "button", text: button.title });
      node.addEventListener("click", () => {
        state.buttons.delete(lastId);
        row.remove();
        sendMessage(button.title, button.payload);
      });
      row.append(node);
    }
    last.after(row);
  }

  /** The rating question's 1-5 buttons as a row of stars; the choice is sent as that button. */
  function ratingStars(buttons, messageId) {
    const row = el("div", { class: "koliber-quick-replies koliber-stars", role: "group", "aria-label": t("rating_label") });
    const stars = buttons.map((button, index) => {
      const star = el("button", {
        class: "koliber-star",
        type: "button",
        text: "★",
        "aria-label": t("rating_star", { score: index + 1 }),
        title: t("rating_star", { score: index + 1 }),
      });
      star.addEventListener("mouseenter", () => light(index));
      star.addEventListener("focus", () => light(index));
      star.addEventListener("click", () => {
        state.buttons.delete(messageId);
        row.remove();
        sendMessage(button.title, button.payload);
      });
      return star;
    });
    function light(upTo) {
      stars.forEach((star, index) => star.classList.toggle("koliber-star--lit", index <= upTo));
    }
    row.addEventListener("mouseleave", () => light(-1));
    row.append(...stars);
    return row;
  }

  function showTyping() {
    ui.transcript.append(ui.typing); // (re)appending keeps it below the newest message
  }

  function hideTyping() {
    ui.typing.remove();
  }

  /** Drops what the transcript shows of a conversation the gateway no longer knows. */
  function forgetConversation() {
    store.clear();
    state.conversation = null;
    // Unacked bubbles stay: they are resent into the new conversation.
    const waiting = new Set(Array.from(state.pending.values(), (entry) => entry.el));
    for (const node of state.shown.values()) if (!waiting.has(node)) node.remove();
    for (const entry of state.pending.values()) {
      entry.id = null;
      delete entry.el.dataset.id;
    }
    state.shown.clear();
    state.buttons.clear();
    state.lastSeen = null;
  }

  function remember(conversationId, token) {
    if (!conversationId || !token) return;
    state.conversation = { conversation_id: conversationId, token };
    store.save(state.conversation);
  }

  // ---------------------------------------------------------------------------------------
  // Sending

  function submitInput() {
    const text = ui.input.value.trim();
    if (!text) return;
    if (text.length > MAX_LENGTH) {
      showError(t("error_message_too_long", { max: MAX_LENGTH }, MAX_LENGTH));
      return;
    }
    ui.input.value = "";
    autosize();
    sendMessage(text, null);
    ui.input.focus();
  }

  /** Header/footer action buttons send their own label; disabled until the gateway responds. */
  function sendAction(button, payload) {
    button.disabled = true;
    sendMessage(button.textContent, payload);
  }

  function sendMessage(text, payload) {
    const entry = { clientId: uuid(), text, payload: payload || null, el: messageElement("customer", text), id: null, socket: null };
    entry.el.classList.add("koliber-msg--pending");
    entry.el.dataset.clientId = entry.clientId;
    entry.el.append(el("div", { class: "koliber-msg-status", text: t("sending") }));
    state.pending.set(entry.clientId, entry);

    ui.transcript.insertBefore(entry.el, ui.typing.isConnected ? ui.typing : null);
    renderQuickReplies();
    scrollToBottom(true);

    // Sent now if the socket is ready, otherwise by the next "welcome" (with the same client_id).
    if (state.ready) transmit(entry);
    if (!state.started) connect();
  }

  function transmit(entry) {
    entry.socket = state.socket;
    sendFrame({ type: "message", text: entry.text, client_id: entry.clientId, payload: entry.payload });
  }

  function sendFrame(frame) {
    const socket = state.socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  // ---------------------------------------------------------------------------------------
  // Connection

  function connect() {
    state.started = true;
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    if (state.socket) return;

    let socket;
    try {
      socket = new WebSocket(WS_URL);
    } catch (err) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;

    socket.addEventListener("open", () => {
      const conversation = state.conversation;
      sendFrame({
        type: "hello",
        conversation_id: conversation ? conversation.conversation_id : null,
        token: conversation ? conversation.token : null,
        language: LANG,
        last_seen: state.lastSeen,
      });
      state.pingTimer = setInterval(() => sendFrame({ type: "ping" }), PING_INTERVAL_MS);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (frame && typeof frame === "object") handleFrame(frame);
    });
    // "error" is always followed by "close", so reconnecting is handled there alone.
    socket.addEventListener("close", () => {
      if (state.socket !== socket) return;
      state.socket = null;
      state.ready = false;
      clearInterval(state.pingTimer);
      hideTyping();
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    setStatus("status_reconnecting");
    const delay = state.retryDelay;
    state.retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
    state.retryTimer = setTimeout(connect, delay);
  }

  // Back online: no point waiting out the back-off.
  window.addEventListener("online", () => {
    if (state.retryTimer) {
      state.retryDelay = RETRY_MIN_MS;
      connect();
    }
  });

  function handleFrame(frame) {
    state.stickToBottom = isNearBottom();
    switch (frame.type) {
      case "welcome":
        onWelcome(frame);
        break;
      case "ack":
        onAck(frame);
        break;
      case "message":
        onMessage(frame.message);
        break;
      case "typing":
        if (frame.on) showTyping();
        else hideTyping();
        break;
      case "state":
        state.chatState = frame.state || "bot";
        state.agentName = frame.agent_name || null;
        if (state.chatState !== "queued") state.queue = null; // stale numbers must not reappear later
        enableActions();
        renderChrome();
        break;
      case "queue":
        state.queue = { position: frame.position, wait_minutes: frame.wait_minutes };
        renderChrome();
        break;
      case "availability":
        state.availability = { live: Boolean(frame.live), wait_minutes: frame.wait_minutes, next_open: frame.next_open };
        renderChrome();
        break;
      case "error":
        onError(frame);
        break;
      default: // "pong" and anything newer than this widget
        return;
    }
    scrollToBottom(false);
  }

  function onWelcome(frame) {
    const known = state.conversation && state.conversation.conversation_id;
    // The gateway did not resume our conversation (closed or expired): start a fresh one.
    if (known && frame.conversation_id !== known) forgetConversation();
    remember(frame.conversation_id, frame.token);

    state.chatState = frame.state || "bot";
    state.agentName = frame.agent_name || null;
    state.availability = frame.availability || null;
    state.queue = frame.queue || null;

    // After a reconnect, history holds what was missed while away: count it as unread.
    const resumed = state.lastSeen !== null;
    for (const message of frame.history || []) {
      if (renderMessage(message) && resumed) countUnread(message);
    }

    state.ready = true;
    state.retryDelay = RETRY_MIN_MS;
    setStatus(null);
    for (const entry of state.pending.values()) transmit(entry); // the gateway drops duplicates by client_id

    enableActions();
    renderChrome();
    renderQuickReplies();
  }

  function onAck(frame) {
    remember(frame.conversation_id, frame.token);
    const entry = state.pending.get(frame.client_id);
    if (!entry) return; // a duplicate ack for a resent message
    state.pending.delete(frame.client_id);
    if (typeof frame.message_id === "number") {
      // If the history adopted this bubble under another id (two identical texts), trust the ack.
      if (entry.id !== null && entry.id !== frame.message_id) state.shown.delete(entry.id);
      if (!state.shown.has(frame.message_id)) markShown(frame.message_id, entry.el);
    }
    markSent(entry);
  }

  function onMessage(message) {
    if (!renderMessage(message)) return;
    countUnread(message);
    if (message.author !== "customer") enableActions();
    renderQuickReplies();
  }

  function onError(frame) {
    const key = "error_" + frame.error;
    showError(hasText(key) ? t(key, { max: MAX_LENGTH }, MAX_LENGTH) : frame.detail || t("error_generic"));
    enableActions();
    // A rejected message will never be acked: stop resending it and say so on its bubble. The
    // gateway answers each message frame in order, with an ack or an error, so an error without a
    // client_id belongs to the oldest message still unanswered on this socket.
    let entry = frame.client_id ? state.pending.get(frame.client_id) : null;
    if (!entry && MESSAGE_ERRORS.has(frame.error)) {
      entry = Array.from(state.pending.values()).find((candidate) => candidate.socket === state.socket);
    }
    if (entry) {
      state.pending.delete(entry.clientId);
      entry.el.classList.remove("koliber-msg--pending");
      entry.el.classList.add("koliber-msg--failed");
      const status = entry.el.querySelector(".koliber-msg-status");
      if (status) status.textContent = t("not_sent");
    }
  }

  function enableActions() {
    ui.human.disabled = false;
    ui.leave.disabled = false;
  }

  function countUnread(message) {
    if (state.open || message.author === "customer") return;
    state.unread += 1;
    updateLauncher();
  }

  // ---------------------------------------------------------------------------------------
  // Start-up

  async function loadTexts() {
    const url = `${BASE}/chat/texts?lang=${LANG}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(url, { credentials: "omit" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return await response.json();
      } catch (err) {
        if (attempt >= 4) throw err;
        await sleep(RETRY_MIN_MS * 2 ** attempt);
      }
    }
  }

  // The shop owner's colours (set in the console): fetched once per page load; on failure the
  // stylesheet's own colours stay.
  async function loadColours() {
    try {
      const response = await fetch(`${BASE}/chat/colours`, { credentials: "omit" });
      return response.ok ? await response.json() : {};
    } catch (err) {
      return {};
    }
  }

  function applyColours(root) {
    for (const [name, value] of Object.entries(colours)) {
      if (/^[a-z-]+$/.test(name) && /^#[0-9a-f]{6}$/i.test(value)) root.style.setProperty(`--koliber-${name}`, value);
    }
  }

  function loadStylesheet() {
    const link = el("link", { rel: "stylesheet", href: BASE + "/chat/widget.css" });
    // Wait for it so the launcher never flashes unstyled; a failure still lets the chat work.
    const loaded = new Promise((resolve) => {
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
    });
    document.head.append(link);
    return loaded;
  }

  const domReady = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve, { once: true });
    else resolve();
  });

  window.KoliberChat = Object.freeze({
    open: () => setOpen(true),
    close: () => setOpen(false),
  });

  Promise.all([loadTexts(), loadColours(), domReady.then(loadStylesheet)])
    .then(([loadedTexts, loadedColours]) => {
      texts = loadedTexts || {};
      colours = loadedColours || {};
      build();
      // A returning visitor sees their conversation (and new replies) without opening the panel.
      if (state.conversation) connect();
      if (state.openWhenReady) setOpen(true);
    })
    .catch((err) => {
      console.warn("Koliber chat: the widget could not start:", err);
    });
})();
