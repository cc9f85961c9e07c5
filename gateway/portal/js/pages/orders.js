// Dealer vehicle orders: the list, placing an order from the catalogue, one order with
// its build timeline updating live, and tracking by order number or VIN.

import { accessToken, api, ApiError } from "../api.js";
import { register, t } from "../i18n.js";
import { clear, field, h, money, onSubmit, orderLink, page, pagedTable, problemBox, toast, when } from "../ui.js";

register({
  choose_model: "选择车型", unit_price: "单价", total_price: "合计", order_placed: "订单已提交",
  orders_placed: "订单已提交：", no_options: "此配置无选装", order: "订单", supply: "供车方式",
  plant: "工厂", scheduled_week: "排产周", placed_at: "下单时间", status_reason: "状态原因",
  allocation_month: "配额月份", behind_plan: "晚于计划", held_since: "暂停开始",
  no_timeline: "尚无生产记录", actions: "操作", cancel_order: "取消订单", confirm_arrival: "确认到车",
  arrival_confirmed: "已确认到车", order_cancelled: "订单已取消", deliver: "交车",
  customer_id: "客户 ID", delivered: "已交车", reconnecting: "重新连接中", review_page: "在审核页面审批",
  order_or_vin: "订单号或 VIN", find: "查找", updated: "已更新", catalogue_empty: "目录为空",
  customer: "客户", required: "必填", week_hint: "例如 2027-W05；留空为最早",
});

const STATUSES = ["", "submitted", "approved", "scheduled", "in_production", "released", "shipped", "arrived", "delivered", "rejected", "cancelled"];
const LIVE_TYPES = [
  "order.stage_reached", "order.vehicle_shipped", "order.vehicle_arrived", "order.vehicle_delivered",
  "order.scheduled", "order.approved", "order.rejected", "order.cancelled", "order.vehicle_late",
];

export async function list(main, { query }, me) {
  const status = query.get("status") || "";
  const filter = h("form", { class: "row", role: "search" },
    h("label", {}, t("status"),
      h("select", { name: "status", onchange: (e) => { location.hash = `#/orders?status=${e.target.value}`; } },
        STATUSES.map((s) => h("option", { value: s, selected: s === status || null }, s ? t(s, s.replaceAll("_", " ")) : t("all"))))),
    h("label", {}, t("order_number"), h("input", { name: "number", placeholder: "ORD-2027-0000042", pattern: "[A-Za-z0-9-]+" })),
    h("button", { type: "submit" }, t("open")));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const number = new FormData(filter).get("number").trim();
    if (number) location.hash = `#/orders/${encodeURIComponent(number)}`;
  });
  const table = pagedTable({
    path: "/orders",
    query: { status },
    rowsOf: (reply) => reply.orders,
    columns: [
      [t("order_number"), (o) => orderLink(o.order_number)],
      [t("dealer"), (o) => o.dealer_code, { narrow: true }],
      [t("model"), (o) => `${o.model_code} ${o.trim_code} ${o.colour_code}`],
      [t("status"), (o) => h("span", { class: "badge" }, o.status)],
      [t("stage"), (o) => o.stage || "", { narrow: true }],
      [t("vin", "VIN"), (o) => o.vin || "", { narrow: true }],
      [t("expected_arrival"), (o) => o.expected_arrival || ""],
      [t("price"), (o) => money(o.list_price_minor, o.currency), { num: true }],
      [t("placed"), (o) => when(o.placed_at), { narrow: true }],
    ],
  });
  clear(main, page(t("orders"),
    me.side === "dealer" && h("p", {}, h("a", { href: "#/orders/new" }, t("new_order"))),
    filter, table));
}

// --- Placing an order ---------------------------------------------------------------------------

function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID exists only in secure contexts; getRandomValues everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// "option_codes.1" -> "option_codes": a list item's error goes beside the list.
function listFieldsToTheirList(error) {
  if (error instanceof ApiError && Array.isArray(error.problem.errors)) {
    for (const item of error.problem.errors) {
      item.field = String(item.field || "").split(".").filter((part) => !/^\d+$/.test(part)).join(".");
    }
  }
  return error;
}

export async function create(main, params, me) {
  const catalogue = await api("GET", "/catalogue");
  const models = catalogue.models || [];
  if (!models.length) {
    clear(main, page(t("new_order")), h("p", { class: "empty" }, t("catalogue_empty", "The catalogue is empty.")));
    return;
  }
  const idempotencyKey = uuid();
  const modelField = field(t("model"), "model_code", { as: "select", required: true, options: models.map((m) => [m.code, `${m.name} (${m.code})`]) });
  const trimField = field(t("trim"), "trim_code", { as: "select", required: true });
  const colourField = field(t("colour"), "colour_code", { as: "select", required: true });
  const modelSelect = modelField.querySelector("select");
  const trimSelect = trimField.querySelector("select");
  const colourSelect = colourField.querySelector("select");
  const optionBoxes = h("div", { class: "stack" });
  const options = h("fieldset", { "data-testid": "order-options" },
    h("legend", {}, t("options")), optionBoxes,
    h("span", { class: "field-error", "data-error-for": "option_codes" }));
  const quantityField = field(t("quantity"), "quantity", { type: "number", min: 1, max: 50, step: 1, value: 1, required: true, inputmode: "numeric" });
  const weekField = field(t("wanted_week"), "wanted_week", { type: "week", placeholder: "2027-W05" });
  weekField.append(h("span", { class: "muted" }, t("week_hint", "e.g. 2027-W05; empty for the earliest")));
  const price = h("output", { "data-testid": "order-price", "aria-live": "polite" });
  const box = problemBox();
  const form = h("form", { class: "stack card", novalidate: true, "aria-label": t("new_order") },
    box, modelField, trimField, colourField, options, quantityField, weekField,
    h("p", {}, price),
    h("button", { type: "submit" }, t("place_order")));

  const model = () => models.find((m) => m.code === modelSelect.value) || models[0];
  const trim = () => (model().trims || []).find((x) => x.code === trimSelect.value);

  function fillModel() {
    const chosen = model();
    clear(trimSelect, (chosen.trims || []).map((x) => h("option", { value: x.code }, `${x.name} (${x.code}) · ${money(x.list_price_minor, x.currency)}`)));
    clear(colourSelect, (chosen.colours || []).map((c) => h("option", { value: c.code }, `${c.name} (${c.code})`)));
    fillOptions();
  }

  function fillOptions() {
    const chosenTrim = trim();
    const ticked = new Set([...optionBoxes.querySelectorAll("input:checked")].map((box) => box.value));
    const offered = (model().options || []).filter((o) => chosenTrim && (o.trim_codes || []).includes(chosenTrim.code));
    clear(optionBoxes, offered.length
      ? offered.map((o) => h("label", { class: "row" },
        h("input", { type: "checkbox", name: "option_codes", value: o.code, checked: ticked.has(o.code) || null, onchange: showPrice }),
        `${o.name} (${o.code}) + ${money(o.list_price_minor, chosenTrim.currency)}`))
      : h("p", { class: "empty" }, t("no_options", "No options on this trim.")));
    showPrice();
  }

  function showPrice() {
    const chosenTrim = trim();
    if (!chosenTrim) { price.textContent = ""; return; }
    const ticked = new Set([...optionBoxes.querySelectorAll("input:checked")].map((box) => box.value));
    let unit = BigInt(chosenTrim.list_price_minor || 0);
    for (const o of model().options || []) if (ticked.has(o.code)) unit += BigInt(o.list_price_minor || 0);
    const quantity = Number(quantityField.querySelector("input").value);
    const text = `${t("unit_price", "Unit price")}: ${money(unit, chosenTrim.currency)}`;
    price.textContent = Number.isInteger(quantity) && quantity > 1 && quantity <= 50
      ? `${text} · ${t("total_price", "Total")} (${quantity}): ${money(unit * BigInt(quantity), chosenTrim.currency)}`
      : text;
  }

  modelSelect.addEventListener("change", fillModel);
  trimSelect.addEventListener("change", fillOptions);
  quantityField.querySelector("input").addEventListener("input", showPrice);
  fillModel();

  onSubmit(form, box, async (values) => {
    const raw = String(values.quantity ?? "").trim();
    const body = {
      model_code: values.model_code,
      trim_code: values.trim_code,
      colour_code: values.colour_code,
      option_codes: new FormData(form).getAll("option_codes"),
      // A number when it is one; anything else goes as typed, so the API says what is wrong.
      quantity: /^-?\d+$/.test(raw) ? Number(raw) : raw,
      wanted_week: String(values.wanted_week || "").trim(),
    };
    let reply;
    try {
      reply = await api("POST", "/orders", { body, headers: { "Idempotency-Key": idempotencyKey } });
    } catch (error) {
      throw listFieldsToTheirList(error);
    }
    const numbers = (reply.orders || []).map((o) => o.order_number);
    toast(numbers.length > 1 ? `${t("orders_placed", "Orders placed:")} ${numbers.join(", ")}` : t("order_placed", "Order placed"));
    if (numbers.length) location.hash = `#/orders/${encodeURIComponent(numbers[0])}`;
  });

  clear(main, page(t("new_order"), form));
}

// --- One order, live ----------------------------------------------------------------------------

let liveConnection = null;

function stopLive() {
  if (liveConnection) liveConnection.stop();
  liveConnection = null;
}

// Follows the live stream while the page is shown; `onEvent(data)` for each event, `onState`
// with "live" or "reconnecting". Stops on leaving the page.
function follow(onEvent, onState, isShown) {
  stopLive();
  let source = null;
  let stopped = false;
  let retry = null;
  let opened = 0;
  const handle = (message) => {
    if (!isShown()) { connection.stop(); return; }
    let data;
    try { data = JSON.parse(message.data); } catch { return; }
    onEvent(data);
  };
  async function open() {
    if (stopped) return;
    const token = await accessToken().catch(() => null);
    if (stopped || !token) return;
    source = new EventSource(`/v1/tracking/stream?access_token=${encodeURIComponent(token)}`);
    for (const type of LIVE_TYPES) source.addEventListener(type, handle);
    source.onmessage = handle;
    source.onopen = () => {
      if (!isShown()) { connection.stop(); return; }
      onState("live");
      // Events are not replayed: after a reconnection, read the state again.
      if (opened++ > 0) onEvent(null);
    };
    source.onerror = () => {
      if (stopped) return;
      onState("reconnecting");
      // The browser retries by itself unless the server refused (an expired token): then anew.
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        retry = setTimeout(open, 5000);
      }
    };
  }
  const leave = () => connection.stop();
  const connection = {
    stop() {
      stopped = true;
      clearTimeout(retry);
      if (source) source.close();
      source = null;
      window.removeEventListener("hashchange", leave);
      if (liveConnection === connection) liveConnection = null;
    },
  };
  window.addEventListener("hashchange", leave);
  liveConnection = connection;
  open();
  return connection;
}

function facts(rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "facts" },
    h("tbody", {}, rows.filter(Boolean).map(([label, value, attributes]) =>
      h("tr", {}, h("th", { scope: "row" }, label), h("td", attributes || {}, value))))));
}

function timelineOf(tracking) {
  const items = tracking?.timeline || [];
  return [
    h("ol", { class: "timeline", "data-testid": "timeline" },
      items.map((item) => h("li", { class: item.kind === "hold" ? "hold" : null, "data-kind": item.kind },
        h("strong", {}, item.label || item.stage || item.kind),
        " · ", h("time", { datetime: item.occurred_at }, when(item.occurred_at)),
        (item.plant_code || item.line || item.station) &&
          h("span", { class: "muted" }, ` · ${[item.plant_code, item.line, item.station].filter(Boolean).join(" / ")}`)))),
    !items.length && h("p", { class: "empty" }, t("no_timeline", "Nothing built yet.")),
  ];
}

function detailsOf(order, tracking) {
  const hold = tracking?.hold_reason || order.hold_reason;
  return facts([
    [t("status"), h("span", { class: `badge${["rejected", "cancelled"].includes(order.status) ? " bad" : order.status === "delivered" ? " good" : ""}`, "data-testid": "order-status" }, order.status)],
    [t("stage"), h("span", { "data-testid": "order-stage" }, tracking?.stage_label || tracking?.stage || order.stage || "—")],
    order.status_reason && [t("status_reason", "Reason"), order.status_reason],
    [t("vin", "VIN"), h("span", { "data-testid": "order-vin" }, order.vin || tracking?.vin || "—")],
    [t("model"), `${order.model_code} ${order.trim_code} ${order.colour_code}`],
    [t("options"), (order.option_codes || []).join(", ") || "—"],
    [t("price"), money(order.list_price_minor, order.currency)],
    [t("dealer"), order.dealer_code],
    [t("wanted_week"), order.wanted_week || "—"],
    [t("placed_at", "Placed"), when(order.placed_at)],
    order.supply && [t("supply", "Supply"), order.supply.replaceAll("_", " ")],
    order.plant_code && [t("plant", "Plant"), `${order.plant_code}${order.scheduled_week ? ` · ${order.scheduled_week}` : ""}`],
    [t("planned_arrival"), h("span", { "data-testid": "planned-arrival" }, tracking?.planned_arrival || order.planned_arrival || "—")],
    [t("expected_arrival"), h("span", { "data-testid": "expected-arrival" },
      tracking?.expected_arrival || order.expected_arrival || "—",
      tracking?.behind_plan && h("span", { class: "badge bad" }, ` ${t("behind_plan", "Behind plan")}`))],
    hold && [t("hold"), h("span", { class: "badge bad", "data-testid": "order-hold" },
      `${tracking?.hold_label || hold}${tracking?.hold_since ? ` · ${t("held_since", "since")} ${when(tracking.hold_since)}` : ""}`)],
    order.customer_id && [t("customer", "Customer"), h("a", { href: `#/customers/${encodeURIComponent(order.customer_id)}` }, order.customer_id)],
  ]);
}

function actionsOf(order, me, reload) {
  if (me.role === "hq_admin" && ["submitted", "approved"].includes(order.status)) {
    return h("p", {}, h("a", { href: "#/review" }, t("review_page", "Approve or reject on the review page")));
  }
  if (me.side !== "dealer") return null;
  const forms = [];
  if (["submitted", "approved"].includes(order.status)) {
    const box = problemBox();
    const form = h("form", { class: "stack", "aria-label": t("cancel_order", "Cancel order"), "data-testid": "cancel-order" },
      box, field(t("reason"), "reason", { as: "textarea", rows: 2, maxlength: 500 }),
      h("button", { type: "submit", class: "secondary" }, t("cancel_order", "Cancel order")));
    onSubmit(form, box, async ({ reason }) => {
      await api("POST", `/orders/${encodeURIComponent(order.order_number)}/cancel`, { body: { reason } });
      toast(t("order_cancelled", "Order cancelled"));
      await reload();
    });
    forms.push(form);
  }
  if (order.status === "shipped") {
    const box = problemBox();
    const form = h("form", { class: "stack", "aria-label": t("confirm_arrival", "Confirm arrival") },
      box, h("button", { type: "submit" }, t("confirm_arrival", "Confirm arrival")));
    onSubmit(form, box, async () => {
      await api("POST", `/orders/${encodeURIComponent(order.order_number)}/arrival`);
      toast(t("arrival_confirmed", "Arrival confirmed"));
      await reload();
    });
    forms.push(form);
  }
  if (order.status === "arrived") {
    const box = problemBox();
    const form = h("form", { class: "stack", "aria-label": t("deliver", "Hand over to the customer") },
      box, field(t("customer_id", "Customer id"), "customer_id", { required: true, maxlength: 64 }),
      h("button", { type: "submit" }, t("deliver", "Hand over to the customer")));
    onSubmit(form, box, async ({ customer_id }) => {
      await api("POST", `/orders/${encodeURIComponent(order.order_number)}/delivery`, { body: { customer_id: String(customer_id || "").trim() } });
      toast(t("delivered", "Delivered"));
      await reload();
    });
    forms.push(form);
  }
  return forms.length ? [h("h2", {}, t("actions", "Actions")), ...forms] : null;
}

export async function show(main, { order_number: number }, me) {
  stopLive();
  const path = encodeURIComponent(number);
  const load = () => Promise.all([
    api("GET", `/orders/${path}`),
    api("GET", `/tracking/${path}`).catch((error) => {
      if (error instanceof ApiError && error.status === 401) throw error;
      return null;
    }),
  ]);
  let [order, tracking] = await load();

  const badge = h("span", { class: "badge", "data-testid": "live", hidden: true }, t("live"));
  const details = h("section", { "aria-label": t("order", "Order") });
  const timeline = h("section", { "aria-labelledby": "timeline-heading" });
  const actions = h("section", {});
  const box = problemBox();
  const root = h("div", {}, box, details,
    h("h2", { id: "timeline-heading" }, t("timeline")), timeline, actions);

  function render() {
    clear(details, detailsOf(order, tracking));
    clear(timeline, timelineOf(tracking));
    clear(actions, actionsOf(order, me, reload));
  }
  let loading = null;
  let again = false;
  async function reload() {
    // One reload at a time; events arriving meanwhile ask for one more.
    if (loading) { again = true; return loading; }
    loading = (async () => {
      do {
        again = false;
        try {
          [order, tracking] = await load();
          box.hidden = true;
          render();
        } catch (error) {
          box.textContent = error.message;
          box.hidden = false;
        }
      } while (again);
      loading = null;
    })();
    return loading;
  }

  render();
  clear(main, page(`${t("order", "Order")} ${order.order_number}`, h("p", {}, badge)), root);
  if (typeof EventSource === "undefined") return;
  follow(
    (data) => { if (data === null || data.order_number === order.order_number) reload(); },
    (state) => {
      badge.hidden = false;
      badge.textContent = state === "live" ? t("live") : t("reconnecting", "Reconnecting");
      badge.className = state === "live" ? "badge good" : "badge";
    },
    () => main.contains(root),
  );
}

// --- Tracking by order number or VIN --------------------------------------------------------------

export async function track(main) {
  const box = problemBox();
  const form = h("form", { class: "stack card", role: "search", "aria-label": t("track") },
    box, field(t("order_or_vin", "Order number or VIN"), "key", { required: true, maxlength: 40, autocomplete: "off" }),
    h("button", { type: "submit" }, t("find", "Find")));
  onSubmit(form, box, async ({ key }) => {
    const wanted = String(key || "").trim();
    if (!wanted) throw new ApiError(422, { detail: t("order_or_vin", "Order number or VIN"), errors: [{ field: "key", message: t("required", "Required") }] });
    const found = await api("GET", `/tracking/${encodeURIComponent(wanted)}`);
    location.hash = `#/orders/${encodeURIComponent(found.order_number)}`;
  });
  clear(main, page(t("track"), form));
  form.querySelector("input").focus();
}
