// tokobot demo page: a Telegram-like staff group (left) and the marketplaces (right).
// The marketplace panel switches between the marketplaces the server lists (state.markets);
// their labels come from the server too. The log below lists both, each entry labelled.
// Server text is always set with textContent; the only HTML inserted is a message's "html",
// which the server builds from Telegram's entities with every piece of text escaped.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const ui = {
    me: localStorage.getItem("tokobot-demo-me") || "rina",
    staff: [],
    messages: new Map(), // id -> message
    topicMode: false,
    topics: [],
    thread: null, // the open topic (null: General / the whole group)
    unread: new Map(), // thread key -> count
    replyTo: null,
    awaitPrompt: 0, // until this time, a bot "force reply" prompt becomes the reply target
    pane: "group",
    markets: [], // [{key, label, shops}]
    market: localStorage.getItem("tokobot-demo-market") || "tokopedia",
    lastMarket: null, // the latest market view, redrawn when switching marketplaces
  };
  const rupiah = new Intl.NumberFormat("id-ID");
  const clock = (seconds) =>
    new Date(seconds * 1000).toLocaleTimeString("id-ID", {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: "Asia/Jakarta",
    });

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // -- talking to the server ---------------------------------------------------------------

  async function post(path, body) {
    const response = await fetch(`/demo/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try {
      data = await response.json();
    } catch (_) {
      data = {};
    }
    if (!response.ok || data.ok === false) {
      const reason = data.error || (data.detail && JSON.stringify(data.detail)) || response.statusText;
      toast(`Gagal: ${reason}`, "error");
      throw new Error(reason);
    }
    return data;
  }

  function connect() {
    const events = new EventSource("/demo/api/events");
    events.onopen = () => setConnected(true);
    events.onerror = () => setConnected(false);
    events.onmessage = (event) => handle(JSON.parse(event.data));
  }

  function setConnected(on) {
    const conn = $("conn");
    conn.textContent = on ? "● langsung" : "○ terputus, mencoba lagi…";
    conn.classList.toggle("live", on);
  }

  function handle(item) {
    if (item.type === "state") loadState(item.state);
    else if (item.type === "message") upsert(item.message, true);
    else if (item.type === "topics") setTopics(item.topics);
    else if (item.type === "market") renderMarket(item.market, true);
    else if (item.type === "toast") {
      document.querySelectorAll(".kb.busy").forEach((b) => b.classList.remove("busy"));
      if (item.text) toast(item.text, item.alert ? "alert" : "info", "group-toasts");
    }
  }

  // -- the staff group ---------------------------------------------------------------------

  function loadState(state) {
    ui.staff = state.staff;
    ui.topicMode = state.chat.topics;
    $("chat-title").textContent = state.chat.title;
    $("chat-sub").textContent = `${state.bot.name}, ${state.staff.map((s) => s.name).join(", ")}`;
    fillSelect($("me"), state.staff.map((s) => [s.key, s.label]), ui.me);
    fillSelect($("buyer"), state.buyers.map((b) => [b.id, b.name]), $("buyer").value);
    ui.markets = state.markets;
    if (!ui.markets.some((m) => m.key === ui.market)) ui.market = ui.markets[0].key;
    renderMarketSwitch();
    ui.messages.clear();
    $("messages").querySelectorAll(".row").forEach((node) => node.remove());
    ui.topics = state.topics;
    renderTabs();
    state.messages.forEach((m) => upsert(m, false));
    renderMarket(state.market, false);
    scrollToEnd(true);
  }

  function fillSelect(select, options, chosen) {
    select.replaceChildren(
      ...options.map(([value, label]) => {
        const option = el("option", "", label);
        option.value = String(value);
        return option;
      }),
    );
    if (chosen && options.some(([value]) => String(value) === String(chosen))) {
      select.value = String(chosen);
    }
  }

  const threadKey = (thread) => (thread === null || thread === undefined ? "general" : String(thread));

  function visible(message) {
    return !ui.topicMode || threadKey(message.thread) === threadKey(ui.thread);
  }

  function nearEnd() {
    const box = $("messages");
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function scrollToEnd(force) {
    const box = $("messages");
    if (force || nearEnd()) box.scrollTop = box.scrollHeight;
  }

  function upsert(message, live) {
    const box = $("messages");
    const existing = box.querySelector(`.row[data-id="${message.id}"]`);
    if (message.deleted) {
      ui.messages.delete(message.id);
      if (existing) existing.remove();
      return;
    }
    const stick = nearEnd();
    ui.messages.set(message.id, message);
    const node = renderMessage(message);
    if (existing) {
      existing.replaceWith(node);
    } else {
      const later = [...box.querySelectorAll(".row")].find((row) => Number(row.dataset.id) > message.id);
      box.insertBefore(node, later || null);
      if (live) noteArrival(message);
    }
    $("empty-chat").hidden = ui.messages.size > 0;
    if (message.force_reply && live && Date.now() < ui.awaitPrompt) {
      ui.awaitPrompt = 0;
      setReply(message.id);
    }
    if (stick) scrollToEnd(true);
  }

  function noteArrival(message) {
    if (ui.topicMode && !visible(message)) {
      const key = threadKey(message.thread);
      ui.unread.set(key, (ui.unread.get(key) || 0) + 1);
      renderTabs();
    }
    if (ui.pane !== "group") markPane("group");
  }

  function me() {
    return ui.staff.find((s) => s.key === ui.me);
  }

  function renderMessage(m) {
    const mine = me() && m.from.id === me().id;
    const row = el("div", `row ${m.service ? "service" : mine ? "mine" : m.from.bot ? "bot" : "other"}`);
    row.dataset.id = String(m.id);
    row.dataset.thread = threadKey(m.thread);
    row.hidden = !visible(m);
    if (m.service) {
      row.append(el("div", "service-text", m.service));
      return row;
    }
    const bubble = el("div", "bubble");
    if (ui.replyTo === m.id) bubble.classList.add("selected");
    if (!mine) bubble.append(el("div", `sender${m.from.bot ? " is-bot" : ""}`, m.from.name));
    if (m.reply_to) {
      const quote = el("div", "quote");
      quote.append(el("div", "quote-name", m.reply_to.name || ""), el("div", "quote-text clip", m.reply_to.snippet));
      quote.addEventListener("click", (event) => {
        event.stopPropagation();
        jumpTo(m.reply_to.id);
      });
      bubble.append(quote);
    }
    if (m.photo) {
      const img = el("img", "photo");
      img.src = m.photo;
      img.alt = "foto";
      bubble.append(img);
    }
    const text = el("div", "text");
    if (m.html !== null) text.innerHTML = m.html; // escaped server-side, see views.safe_html
    else text.textContent = m.attachment || "";
    bubble.append(text);
    if (m.force_reply) bubble.append(el("div", "hint small", "↩️ Balas pesan ini untuk menjawab"));
    const meta = el("div", "meta");
    if (m.reactions.length) meta.append(el("span", "reaction", m.reactions.join(" ")));
    if (m.edited) meta.append(el("span", "", "diedit"));
    meta.append(el("span", "", clock(m.date)));
    const reply = el("button", "reply-link", "Balas");
    reply.type = "button";
    reply.addEventListener("click", (event) => {
      event.stopPropagation();
      setReply(m.id);
    });
    meta.append(reply);
    bubble.append(meta);
    bubble.addEventListener("click", (event) => {
      if (event.target.closest("a, button")) return;
      setReply(m.id);
    });
    const stack = el("div", "stack"); // the keyboard is as wide as the bubble, as in Telegram
    stack.append(bubble);
    if (m.buttons.length) stack.append(renderKeyboard(m));
    row.append(stack);
    if (NO_EMOJI && m.from.bot) plainText(stack);
    return row;
  }

  // Without a colour emoji font (README: fonts-noto-color-emoji) icons show as empty boxes.
  // Every line and button tokobot sends carries words after its icon, so there the icons are
  // dropped and the words remain; what people typed is left as it is.
  // Arrows (U+2190–21FF) are in ordinary fonts too, and the page uses them as text.
  const PICTOGRAPH = /(?![\u2190-\u21FF])\p{Extended_Pictographic}[\uFE0F\u20E3]* ?/gu;
  const NO_EMOJI = (() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 24;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) return false;
    ctx.font = `20px ${getComputedStyle(document.documentElement).fontFamily}`;
    ctx.textBaseline = "top";
    ctx.fillText("\u{1F6D2}", 0, 0); // a shopping cart: coloured only by an emoji font
    const px = ctx.getImageData(0, 0, 24, 24).data;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] > 64 && (Math.abs(px[i] - px[i + 1]) > 24 || Math.abs(px[i + 1] - px[i + 2]) > 24)) {
        return false;
      }
    }
    return true;
  })();
  document.documentElement.classList.toggle("no-emoji", NO_EMOJI);

  function plainText(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const plain = node.data.replace(PICTOGRAPH, "");
      if (plain !== node.data) node.data = plain;
    }
  }

  function renderKeyboard(m) {
    const keyboard = el("div", "keyboard");
    m.buttons.forEach((buttons) => {
      const line = el("div", "kb-row");
      buttons.forEach((b) => {
        if (b.url) {
          const link = el("a", "kb", `${b.text} ↗`);
          link.href = b.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          line.append(link);
          return;
        }
        const button = el("button", "kb", b.text);
        button.type = "button";
        button.addEventListener("click", () => press(m.id, b.data, button));
        line.append(button);
      });
      keyboard.append(line);
    });
    return keyboard;
  }

  async function press(messageId, data, button) {
    button.classList.add("busy");
    ui.awaitPrompt = Date.now() + 5000;
    setTimeout(() => button.classList.remove("busy"), 4000);
    try {
      await post("telegram/press", { user: ui.me, message_id: messageId, data });
    } catch (_) {
      button.classList.remove("busy");
    }
  }

  function jumpTo(id) {
    const row = $("messages").querySelector(`.row[data-id="${id}"]`);
    if (!row || row.hidden) return;
    row.scrollIntoView({ block: "center", behavior: "smooth" });
    row.classList.add("flash");
    setTimeout(() => row.classList.remove("flash"), 1200);
  }

  function setReply(id) {
    const previous = ui.replyTo;
    ui.replyTo = id;
    [previous, id].forEach((mid) => {
      const message = ui.messages.get(mid);
      if (message) upsert(message, false);
    });
    const target = ui.messages.get(id);
    $("replybar").hidden = !target;
    if (target) {
      $("reply-name").textContent = target.from.name;
      const probe = document.createElement("template"); // inert: nothing in it loads or runs
      probe.innerHTML = target.html || "";
      const plain = probe.content.textContent || target.attachment || "";
      $("reply-snippet").textContent = plain.slice(0, 120);
      $("text").focus();
    }
  }

  function clearReply() {
    const previous = ui.replyTo;
    ui.replyTo = null;
    $("replybar").hidden = true;
    const message = ui.messages.get(previous);
    if (message) upsert(message, false);
  }

  async function send(text) {
    const body = { user: ui.me, text, reply_to: ui.replyTo };
    if (ui.topicMode && ui.thread !== null) body.thread = ui.thread;
    await post("telegram/send", body);
    clearReply();
  }

  // -- topics ------------------------------------------------------------------------------

  function setTopics(topics) {
    ui.topics = topics;
    if (ui.thread !== null && !topics.some((t) => t.id === ui.thread)) ui.thread = null;
    renderTabs();
  }

  function renderTabs() {
    const tabs = $("tabs");
    tabs.hidden = !ui.topicMode;
    if (!ui.topicMode) return;
    const all = [{ id: null, name: "Umum", color: "#8e9aa6" }, ...ui.topics];
    tabs.replaceChildren(
      ...all.map((topic) => {
        const tab = el("button", `tab${threadKey(topic.id) === threadKey(ui.thread) ? " on" : ""}`);
        tab.type = "button";
        const dot = el("span", "dot");
        dot.style.background = topic.color;
        tab.append(dot, el("span", "", topic.name));
        const count = ui.unread.get(threadKey(topic.id));
        if (count) tab.append(el("span", "badge", String(count)));
        tab.addEventListener("click", () => openThread(topic.id));
        return tab;
      }),
    );
  }

  function openThread(id) {
    ui.thread = id;
    ui.unread.delete(threadKey(id));
    if (ui.replyTo !== null) clearReply();
    $("messages").querySelectorAll(".row").forEach((row) => {
      row.hidden = row.dataset.thread !== threadKey(id);
    });
    renderTabs();
    scrollToEnd(true);
  }

  // -- the marketplace ---------------------------------------------------------------------

  const marketLabel = (key) => (ui.markets.find((m) => m.key === key) || { label: key }).label;

  function renderMarketSwitch() {
    $("market").dataset.market = ui.market;
    $("market-switch").replaceChildren(
      ...ui.markets.map((m) => {
        const button = el("button", m.key === ui.market ? "on" : "", m.label);
        button.type = "button";
        button.dataset.market = m.key;
        button.setAttribute("aria-pressed", String(m.key === ui.market));
        button.addEventListener("click", () => setMarket(m.key));
        return button;
      }),
    );
    const current = ui.markets.find((m) => m.key === ui.market);
    fillSelect($("shop"), current.shops.map((s) => [s.id, s.name]), $("shop").value);
  }

  function setMarket(key) {
    ui.market = key;
    localStorage.setItem("tokobot-demo-market", key);
    renderMarketSwitch();
    if (ui.lastMarket) renderMarket(ui.lastMarket, false);
  }

  function renderMarket(market, live) {
    ui.lastMarket = market;
    const mine = market[ui.market] || { orders: [], order_count: 0 };
    $("not-connected").hidden = mine.connected !== false;
    $("order-count").textContent = mine.order_count ? `(${mine.order_count})` : "";
    const orders = $("orders");
    if (!mine.orders.length) {
      orders.replaceChildren(el("li", "empty", "Belum ada pesanan."));
    } else {
      orders.replaceChildren(...mine.orders.map(renderOrder));
      if (mine.order_count > mine.orders.length) {
        orders.append(el("li", "muted small", `… dan ${mine.order_count - mine.orders.length} pesanan lebih lama`));
      }
    }
    const log = $("log");
    if (!market.log.length) log.replaceChildren(el("li", "empty", "Belum ada lalu lintas."));
    else log.replaceChildren(...market.log.map(renderEntry));
    if (live && ui.pane !== "market") markPane("market");
  }

  function renderOrder(order) {
    const item = el("li", "order");
    item.dataset.order = String(order.order_id);
    const head = el("div", "order-head");
    head.append(el("span", "invoice", order.invoice), el("span", `status ${order.tone}`, order.status_label));
    item.append(head);
    item.append(el("div", "small", `${order.buyer} · ${order.items}`));
    const foot = el("div", "order-foot");
    foot.append(el("b", "", `Rp${rupiah.format(order.total)}`));
    if (order.cancel_requested) foot.append(el("span", "muted small", "pembeli minta batal"));
    if (order.return_requested) foot.append(el("span", "muted small", "pembeli minta retur"));
    const actions = el("span", "order-actions");
    const ref = { order_id: order.order_id, market: order.market }; // ids stay strings where they are
    if (order.can_request_cancel) {
      actions.append(action("Pembeli minta batal", () => post("market/cancel-request", ref)));
    }
    if (order.can_pickup) {
      actions.append(action("Kurir pick up", () => post("market/pickup", ref)));
    }
    if (order.can_request_return) {
      actions.append(action("Pembeli minta retur", () => post("market/return-request", ref)));
    }
    foot.append(actions);
    item.append(foot);
    return item;
  }

  function action(label, run) {
    const button = el("button", "small-btn", label);
    button.type = "button";
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await run();
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  function renderEntry(entry) {
    const market = entry.market || "tokopedia"; // entries saved before there were two
    const item = el("li", `entry ${entry.dir} ${entry.ok ? "ok" : "fail"}`);
    item.dataset.market = market;
    const head = el("div", "entry-head");
    const title = el("span", "entry-title");
    title.append(el("span", "tag", marketLabel(market)), el("span", "", entry.title));
    head.append(title);
    const status = entry.ok ? "✓" : `✗ ${entry.status || ""} ${entry.error || ""}`.trim();
    head.append(el("span", "entry-meta", `${status} · ${clock(entry.at)}`));
    item.append(head, el("div", "entry-detail", entry.detail));
    return item;
  }

  // -- small things ------------------------------------------------------------------------

  // Button answers appear over the group, like Telegram's; the rest at the page's foot.
  function toast(text, kind, where) {
    const node = el("div", `toast ${kind || "info"}`, text);
    if (NO_EMOJI) plainText(node); // tokobot's callback answers and the page's own notes
    $(where || "toasts").append(node);
    setTimeout(() => node.classList.add("gone"), kind === "alert" ? 5000 : 3000);
    setTimeout(() => node.remove(), kind === "alert" ? 5600 : 3600);
    node.addEventListener("click", () => node.remove());
  }

  function showPane(name) {
    ui.pane = name;
    document.querySelectorAll(".pane").forEach((pane) => pane.classList.toggle("on", pane.id === name));
    document.querySelectorAll(".switch button").forEach((b) => {
      const on = b.dataset.pane === name;
      b.classList.toggle("on", on);
      if (on) b.classList.remove("news");
    });
    if (name === "group") scrollToEnd(true);
  }

  function markPane(name) {
    const tab = document.querySelector(`.switch button[data-pane="${name}"]`);
    if (tab && getComputedStyle(tab.parentElement).display !== "none") tab.classList.add("news");
  }

  async function pollHealth() {
    const sub = $("chat-sub");
    try {
      const health = await (await fetch("/healthz")).json();
      const pending = health.backlog ? health.backlog.pending : 0;
      sub.dataset.health = pending ? `tokobot: ${pending} pembaruan menunggu dikirim` : "";
    } catch (_) {
      sub.dataset.health = "tokobot tidak menjawab";
    }
    $("backlog").textContent = sub.dataset.health || "";
  }

  function wire() {
    $("me").addEventListener("change", (event) => {
      ui.me = event.target.value;
      localStorage.setItem("tokobot-demo-me", ui.me);
      ui.messages.forEach((m) => upsert(m, false));
    });
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = $("text");
      const text = box.value.trim();
      if (!text) return;
      await send(text);
      box.value = "";
    });
    $("text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("reply-cancel").addEventListener("click", clearReply);
    document.querySelectorAll(".quick button").forEach((b) =>
      b.addEventListener("click", () => send(b.dataset.command)),
    );
    $("buyer-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = $("buyer-text");
      const text = box.value.trim() || box.placeholder;
      await post("market/chat", { buyer: Number($("buyer").value), text, shop: $("shop").value, market: ui.market });
      box.value = "";
    });
    $("buyer-photo").addEventListener("click", () =>
      post("market/photo", { buyer: Number($("buyer").value), shop: $("shop").value, market: ui.market }),
    );
    $("buyer-product").addEventListener("click", () =>
      post("market/product", { buyer: Number($("buyer").value), shop: $("shop").value, market: ui.market }),
    );
    $("staff-photo").addEventListener("click", async () => {
      const body = { user: ui.me, caption: $("text").value.trim(), reply_to: ui.replyTo };
      if (ui.topicMode && ui.thread !== null) body.thread = ui.thread;
      await post("telegram/photo", body);
      $("text").value = "";
      clearReply();
    });
    $("new-order").addEventListener("click", () => post("market/order", { shop: $("shop").value, market: ui.market }));
    $("burst").addEventListener("click", async () => {
      const button = $("burst");
      button.disabled = true;
      button.textContent = NO_EMOJI ? "mengirim 200 pesanan…" : "⏳ mengirim 200 pesanan…";
      try {
        const result = await post("market/burst", { count: 200, market: ui.market });
        toast(`${result.accepted} dari ${result.created} webhook diterima tokobot`, "info");
      } finally {
        button.disabled = false;
        button.textContent = NO_EMOJI ? "200 pesanan sekaligus" : "⚡ 200 pesanan sekaligus";
      }
    });
    $("buyer-burst").addEventListener("click", async () => {
      const button = $("buyer-burst");
      button.disabled = true;
      button.textContent = NO_EMOJI ? "200 pembeli menulis…" : "⏳ 200 pembeli menulis…";
      try {
        const result = await post("market/buyers-burst", { count: 200 });
        toast(`${result.accepted} dari ${result.created} pesan dari ${result.buyers} pembeli diterima tokobot`, "info");
      } finally {
        button.disabled = false;
        button.textContent = NO_EMOJI ? "200 pembeli sekaligus" : "💬 200 pembeli sekaligus";
      }
    });
    $("closed-hours").addEventListener("click", async () => {
      const button = $("closed-hours");
      const wanted = button.getAttribute("aria-pressed") !== "true";
      const result = await post("shop/closed", { closed: wanted });
      button.setAttribute("aria-pressed", String(result.closed));
      const label = result.closed ? "Toko tutup: ya" : "Toko tutup: tidak";
      button.textContent = NO_EMOJI ? label : `🌙 ${label}`;
      toast(result.closed ? "Toko tutup: pembeli mendapat balasan otomatis" : "Toko buka kembali", "info");
    });
    document.querySelectorAll(".switch button").forEach((b) =>
      b.addEventListener("click", () => showPane(b.dataset.pane)),
    );
    const backlog = el("div", "backlog small");
    backlog.id = "backlog";
    document.querySelector(".chat-head .head-text").append(backlog);
  }

  if (NO_EMOJI) plainText(document.body); // the page's own buttons and headings
  wire();
  connect();
  pollHealth();
  setInterval(pollHealth, 3000);
})();
