// Headquarters: the channel dashboard and the list behind each figure, the order review
// queue with each order's credit check, the engineers' support desk, the duplicate-customer
// queue and the dealers' receivables.

import { api } from "../api.js";
import { register, t } from "../i18n.js";
import {
  bars, clear, emptyLine, errorLine, exponent, facts, field, h, money, onSubmit, orderLink, page, pagedTable, problemBox,
  requestLink, toast, when,
} from "../ui.js";

register({
  as_of: "数据时间", orders_total: "订单总数", late_vehicles: "延误车辆", stock_total: "库存车辆",
  support_open: "未结支持请求", support_breached: "已超期", support_resolution_late: "超期解决",
  average_rating: "平均评分", ratings: "评分数", open_by_priority: "按优先级的未结请求",
  rating_by_region: "各区域满意度", funnel: "订单漏斗", orders_by_model: "各车型订单",
  drilldown: "明细", unknown_list: "没有这个列表。", engineer: "工程师", station: "服务站",
  opened: "提交时间", resolution_due: "解决期限", breached: "已超期", late: "延误",
  location: "地点", in_stock_since: "入库日期", age_days: "库龄（天）", customer: "客户",
  segment: "分层", kind: "类型", credit_limit: "信用额度", order_value: "订单金额",
  used_after: "批准后占用", available_before: "当前可用", committed: "已批未开票",
  reminder_level: "催款级别", credit_held: "信用冻结", credit_ok: "信用通过",
  no_credit_terms: "未设信用条款", credit_override_reason: "超额批准理由", approved: "已批准",
  rejected: "已拒绝", decision: "决定", read_only_review: "只读：只有总部管理员可以审批。",
  review_empty: "没有待审核的订单。", unassigned: "未认领", mine: "我的请求",
  desk_empty: "没有请求。", record: "记录", possible_duplicate: "可能重复", score: "相似度",
  reasons: "原因", merged: "已合并", kept_apart: "已保持分开", pending: "待定",
  merges_empty: "没有待处理的重复客户。", registered_by: "登记方", national_id: "证件号",
  dealers: "经销商数", dealers_held: "订单冻结的经销商", open_disputes: "未决异议",
  dealer_accounts: "经销商往来账", all_regions: "全部区域", overdue: "逾期",
  credit_used: "已用额度", credit_available: "可用额度", orders_held: "订单冻结",
  receivables_empty: "暂无应收账款。", accounts_empty: "该区域没有往来账。", in_units: "单位",
  request_id: "请求编号", planned_arrival: "计划到达", placed_at: "下单时间", customer_id: "客户编号",
  rated: "已评分", not_rated: "未评分",
});

const DESK = ["hq_engineer", "hq_admin"];
const ACTIVE = ["open", "in_progress", "waiting_on_station"];
const BUCKETS = [
  ["current", "current_minor"], ["1-30", "days_1_30_minor"], ["31-60", "days_31_60_minor"],
  ["61-90", "days_61_90_minor"], ["90+", "over_90_minor"],
];
const AGE_BANDS = ["0-30", "31-60", "61-90", "91-180", "181+"];

// The API's list of a figure (/v1/dashboard/orders?stage=x) as the portal's address of it.
function hashOf(list) {
  return list ? `#${String(list).replace(/^\/v1(?=\/)/, "")}` : null;
}

function badge(text, tone) {
  return h("span", { class: tone ? `badge ${tone}` : "badge" }, text);
}

// A whole amount in the currency's major units, for the length of a bar.
function major(minor, currency) {
  return Math.round(Number(minor || 0) / 10 ** exponent(currency));
}

function ageingBars(ageing, currency, link, title) {
  const items = BUCKETS.map(([key, name]) => ({ key, minor: (ageing || {})[name] || 0 }));
  return h("div", {},
    bars(items, { label: (i) => i.key, value: (i) => major(i.minor, currency), link: () => link, title: `${title} (${currency})` }),
    h("p", { class: "muted" }, items.map((i) => `${i.key}: ${money(i.minor, currency)}`).join(" · ")));
}

// --- The dashboard -----------------------------------------------------------------------------------

function headline(text, value, list, testid) {
  const shown = list ? h("a", { href: hashOf(list) }, String(value ?? 0)) : String(value ?? 0);
  return h("div", { class: "card", "data-testid": testid }, h("div", { class: "muted" }, text), h("div", { class: "figure" }, h("strong", {}, shown)));
}

function chart(title, testid, ...content) {
  return h("section", { class: "card", "data-testid": testid }, h("h2", {}, title), content);
}

export async function dashboard(main, params, me) {
  const [board, receivables] = await Promise.all([
    api("GET", "/dashboard"),
    api("GET", "/receivables").catch((error) => ({ error })),
  ]);
  const lists = board.lists || {};
  const support = board.support || {};
  const stock = [...(board.stock || [])].sort((a, b) =>
    String(a.region).localeCompare(String(b.region)) || AGE_BANDS.indexOf(a.age_band) - AGE_BANDS.indexOf(b.age_band));
  const ratingLink = (row) => `#/dashboard/support?${new URLSearchParams({ view: "rated", region: row.region })}`;
  clear(main, page(t("dashboard")),
    h("p", { class: "muted", "data-testid": "as-of" }, `${t("as_of", "As of")}: ${when(board.as_of)}`),
    h("div", { class: "grid", "data-testid": "headlines" },
      headline(t("orders_total", "Orders"), board.orders_total, lists.orders, "orders-total"),
      headline(t("late_vehicles", "Late cars"), board.late_vehicles, lists.late_vehicles, "late-total"),
      headline(t("stock_total", "Cars in stock"), board.stock_total, lists.stock, "stock-total"),
      headline(t("support_open", "Open support requests"), support.open, lists.support_open, "support-open"),
      headline(t("support_breached", "Past their deadline"), support.breached, lists.support_breached, "support-breached")),
    h("div", { class: "grid" },
      chart(t("orders_by_stage"), "orders-by-stage", bars(board.orders_by_stage || [], { link: (i) => hashOf(i.list), title: t("orders_by_stage") })),
      chart(t("orders_by_region"), "orders-by-region", bars(board.orders_by_region || [], { link: (i) => hashOf(i.list), title: t("orders_by_region") })),
      chart(t("late_cars"), "late-cars", bars(board.late_by_region || [], { link: (i) => hashOf(i.list), title: t("late_cars") })),
      chart(t("stock_by_age"), "stock-by-age", bars(stock, {
        label: (i) => `${i.region || "—"} ${i.age_band}`, link: (i) => hashOf(i.list), title: t("stock_by_age"),
      })),
      chart(t("support_deadlines"), "support",
        h("h3", {}, t("open_by_priority", "Open by priority")),
        bars(support.open_by_priority || [], { link: (i) => hashOf(i.list), title: t("open_by_priority", "Open by priority") }),
        facts([
          [t("support_open", "Open support requests"), h("a", { href: hashOf(lists.support_open) }, String(support.open ?? 0))],
          [t("support_breached", "Past their deadline"), h("a", { href: hashOf(lists.support_breached), "data-testid": "support-breached-count" }, String(support.breached ?? 0))],
          [t("support_resolution_late", "Resolved late"), h("a", { href: hashOf(lists.support_resolution_late) }, String(support.resolution_late ?? 0))],
          [t("average_rating", "Average rating"), h("a", { href: hashOf(lists.support_rated) },
            support.ratings ? `${Number(support.average_rating || 0).toFixed(2)} / 5 (${support.ratings} ${t("ratings", "ratings")})` : "—")],
        ]),
        (support.rating_by_region || []).length ? [h("h3", {}, t("rating_by_region", "Satisfaction by region")),
          bars(support.rating_by_region, {
            label: (i) => i.region, value: (i) => Number(Number(i.average || 0).toFixed(2)), link: ratingLink,
            title: t("rating_by_region", "Satisfaction by region"),
          })] : null),
      chart(t("customer_segments"), "customer-segments", bars(board.customers_by_segment || [], { link: (i) => hashOf(i.list), title: t("customer_segments") })),
      chart(t("funnel", "Order funnel"), "funnel", bars(board.funnel || [], { label: (i) => i.step, link: (i) => hashOf(i.list), title: t("funnel", "Order funnel") })),
      chart(t("receivables_ageing"), "receivables-ageing", receivablesTotals(receivables))));
}

function receivablesTotals(receivables) {
  if (receivables.error) return errorLine(receivables.error);
  const totals = receivables.totals || [];
  if (!totals.length) return emptyLine(t("receivables_empty", "No receivables."));
  return totals.map((row) => h("div", {},
    h("h3", {}, `${t("balance")}: ${money(row.balance_minor, row.currency)}`),
    ageingBars(row.ageing, row.currency, "#/receivables", t("receivables_ageing"))));
}

// --- The list behind a figure ------------------------------------------------------------------------

// Column labels are read when a list is shown, so they follow a change of language.
const orderColumns = () => [
  [t("order_number"), (o) => orderLink(o.order_number)],
  [t("dealer"), (o) => o.dealer_code],
  [t("region"), (o) => o.region, { narrow: true }],
  [t("model"), (o) => [o.model_code, o.trim_code, o.colour_code].filter(Boolean).join(" ")],
  [t("status"), (o) => badge(o.status)],
  [t("stage"), (o) => o.stage || "", { narrow: true }],
  [t("vin"), (o) => o.vin || "", { narrow: true }],
  [t("placed"), (o) => when(o.placed_at), { narrow: true }],
  [t("planned_arrival", "Planned arrival"), (o) => o.planned_arrival || ""],
  [t("expected_arrival"), (o) => [o.expected_arrival || "", " ", o.late ? badge(t("late", "late"), "bad") : null]],
];

const DRILLDOWNS = {
  orders: { title: "orders", rows: (r) => r.orders || [], columns: orderColumns },
  "late-vehicles": { title: "late_cars", rows: (r) => r.orders || [], columns: orderColumns },
  stock: {
    title: "stock",
    rows: (r) => r.cars || [],
    columns: () => [
      [t("vin"), (c) => c.vin],
      [t("location", "Location"), (c) => c.location_code],
      [t("region"), (c) => c.region, { narrow: true }],
      [t("model"), (c) => c.model_code],
      [t("status"), (c) => badge(c.status)],
      [t("in_stock_since", "In stock since"), (c) => when(c.in_stock_since), { narrow: true }],
      [t("age_days", "Days in stock"), (c) => c.age_days ?? 0, { num: true }],
    ],
  },
  support: {
    title: "support",
    rows: (r) => r.requests || [],
    columns: () => [
      [t("request_id", "Request"), (s) => requestLink(s.request_id, String(s.request_id).slice(0, 8))],
      [t("station", "Station"), (s) => s.station_code],
      [t("region"), (s) => s.region, { narrow: true }],
      [t("priority"), (s) => s.priority],
      [t("status"), (s) => badge(s.status)],
      [t("engineer", "Engineer"), (s) => s.engineer || "", { narrow: true }],
      [t("opened", "Opened"), (s) => when(s.opened_at), { narrow: true }],
      [t("resolution_due", "Resolution due"), (s) => [when(s.resolution_due), " ",
        s.breached || s.resolution_late ? badge(t("breached", "breached"), "bad") : null]],
      [t("rating"), (s) => (s.rating ? `${s.rating} / 5` : ""), { num: true }],
    ],
  },
  customers: {
    title: "customers",
    rows: (r) => r.customers || [],
    columns: () => [
      [t("customer_id", "Customer"), (c) => h("a", { href: `#/customers/${encodeURIComponent(c.customer_id)}` }, c.customer_id)],
      [t("segment", "Segment"), (c) => c.segment],
      [t("region"), (c) => c.region],
      [t("kind", "Kind"), (c) => c.kind, { narrow: true }],
    ],
  },
};

export async function drilldown(main, { list, query }) {
  const shape = Object.hasOwn(DRILLDOWNS, list) ? DRILLDOWNS[list] : null;
  const back = h("p", {}, h("a", { href: "#/dashboard" }, `← ${t("dashboard")}`));
  if (!shape) {
    clear(main, page(t("not_found", "Not found")), back, emptyLine(t("unknown_list", "There is no such list.")));
    return;
  }
  const filters = Object.fromEntries([...query].filter(([name, value]) => value && name !== "page_size" && name !== "page_token"));
  const described = Object.entries(filters).map(([name, value]) => `${name}: ${value}`).join(", ");
  clear(main, page(`${t(shape.title)}${described ? ` · ${described}` : ""}`), back,
    h("div", { "data-testid": "drilldown" }, pagedTable({
      path: `/dashboard/${encodeURIComponent(list)}`, query: filters, rowsOf: shape.rows, columns: shape.columns(), pageSize: 50,
    })));
}

// --- The order review queue --------------------------------------------------------------------------

function creditView(check) {
  const currency = check.currency;
  return h("div", { "data-testid": "credit-check" },
    check.held ? badge(t("credit_held", "Credit holds this order"), "bad")
      : badge(check.credit_terms_set ? t("credit_ok", "Credit OK") : t("no_credit_terms", "No credit terms set"), check.credit_terms_set ? "good" : null),
    (check.reasons || []).length ? h("ul", {}, check.reasons.map((reason) => h("li", {}, reason))) : null,
    facts([
      [t("order_value", "Order value"), money(check.order_value_minor, currency)],
      [t("credit_limit", "Credit limit"), check.credit_terms_set ? money(check.credit_limit_minor, currency) : null],
      [t("balance"), money(check.balance_minor, currency)],
      [t("committed", "Approved, not invoiced"), money(check.committed_minor, currency)],
      [t("available_before", "Available now"), check.credit_terms_set ? money(check.available_before_minor, currency) : null],
      [t("used_after", "Used if approved"), money(check.used_after_minor, currency)],
      [t("reminder_level", "Reminder level"), check.reminder_level || null],
    ]));
}

function decisionView(order, check, done) {
  const approve = h("form", { class: "stack", "aria-label": `${t("approve")} ${order.order_number}` },
    check?.held && field(t("credit_override_reason", "Reason for approving over credit"), "credit_override_reason", { as: "textarea", rows: 2, required: true, maxlength: 500 }),
    h("button", { type: "submit" }, t("approve")));
  const approveBox = problemBox();
  approve.prepend(approveBox);
  onSubmit(approve, approveBox, async (values) => {
    const reason = (values.credit_override_reason || "").trim();
    await api("POST", `/orders/${encodeURIComponent(order.order_number)}/approve`, reason ? { body: { credit_override_reason: reason } } : {});
    done(t("approved", "Approved"), "good");
  });
  const reject = h("form", { class: "stack", "aria-label": `${t("reject")} ${order.order_number}` },
    field(t("reason"), "reason", { required: true, maxlength: 500 }),
    h("button", { type: "submit", class: "secondary" }, t("reject")));
  const rejectBox = problemBox();
  reject.prepend(rejectBox);
  onSubmit(reject, rejectBox, async ({ reason }) => {
    await api("POST", `/orders/${encodeURIComponent(order.order_number)}/reject`, { body: { reason: reason.trim() } });
    done(t("rejected", "Rejected"), "bad");
  });
  return h("div", { class: "stack" }, approve, reject);
}

export async function review(main, params, me) {
  const decides = me.role === "hq_admin";
  const credits = new Map();
  const creditOf = (number) => {
    if (!credits.has(number)) credits.set(number, api("GET", `/orders/${encodeURIComponent(number)}/credit`));
    return credits.get(number);
  };
  const columns = [
    [t("order_number"), (o) => [orderLink(o.order_number), h("div", { class: "muted" }, when(o.placed_at))]],
    [t("dealer"), (o) => o.dealer_code],
    [t("model"), (o) => [o.model_code, o.trim_code, o.colour_code].filter(Boolean).join(" "), { narrow: true }],
    [t("price"), (o) => money(o.list_price_minor, o.currency), { num: true }],
    [t("credit_check"), (o) => {
      const cell = h("div", {}, h("span", { class: "muted" }, t("loading")));
      creditOf(o.order_number).then((check) => clear(cell, creditView(check)), (error) => clear(cell, errorLine(error)));
      return cell;
    }],
  ];
  if (decides) {
    columns.push([t("decision", "Decision"), (o) => {
      const cell = h("div", { "data-testid": "review-decision" }, h("span", { class: "muted" }, t("loading")));
      const done = (text, tone) => { clear(cell, badge(text, tone)); toast(`${o.order_number}: ${text}`); };
      // Without the credit check the decision is still offered; a held order then answers 409 with the reason.
      creditOf(o.order_number).then((check) => clear(cell, decisionView(o, check, done)), () => clear(cell, decisionView(o, null, done)));
      return cell;
    }]);
  }
  clear(main, page(t("review")),
    !decides && h("p", { class: "muted" }, t("read_only_review", "Read only: only HQ admins approve or reject orders.")),
    h("div", { "data-testid": "review-queue" }, pagedTable({
      path: "/orders", query: { status: "submitted" }, rowsOf: (reply) => reply.orders || [], columns,
      empty: t("review_empty", "No orders are waiting for review."), pageSize: 20,
    })));
}

// --- The engineers' desk -----------------------------------------------------------------------------

function deskTable(query, me, emptyText) {
  return pagedTable({
    path: "/support-requests",
    query,
    rowsOf: (reply) => reply.requests || [],
    empty: emptyText,
    columns: [
      [t("subject"), (r) => requestLink(r.id, r.subject || r.id)],
      [t("station", "Station"), (r) => r.station_code],
      [t("region"), (r) => r.region, { narrow: true }],
      [t("priority"), (r) => r.priority],
      [t("status"), (r) => badge(r.status)],
      [t("resolution_due", "Resolution due"), (r) => [when(r.resolution_due), " ", r.resolution_late ? badge(t("late", "late"), "bad") : null]],
      [t("engineer", "Engineer"), (r) => r.engineer || "", { narrow: true }],
      ["", (r) => (ACTIVE.includes(r.status) && r.engineer !== me.subject ? takeButton(r) : "")],
    ],
  });
}

function takeButton(row) {
  const box = h("span", { class: "field-error", role: "alert" });
  const button = h("button", { type: "button", "data-testid": "take-request" }, t("take"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    box.textContent = "";
    try {
      await api("POST", `/support-requests/${encodeURIComponent(row.id)}/take`);
      toast(`${t("take")}: ${row.subject || row.id}`);
      location.hash = `#/support/${encodeURIComponent(row.id)}`;
    } catch (error) {
      box.textContent = error.message;
      button.disabled = false;
    }
  });
  return h("span", {}, button, " ", box);
}

export async function desk(main, params, me) {
  clear(main, page(t("desk")),
    h("section", { class: "card" }, h("h2", {}, t("unassigned", "Not taken yet")),
      h("div", { "data-testid": "desk-unassigned" }, deskTable({ unassigned: true }, me, t("desk_empty", "No requests.")))),
    h("section", { class: "card" }, h("h2", {}, t("mine", "Mine")),
      h("div", { "data-testid": "desk-mine" }, deskTable({ engineer: me.subject }, me, t("desk_empty", "No requests.")))));
}

// --- Duplicate customers -----------------------------------------------------------------------------

function customerCard(customer) {
  if (!customer) return "";
  return h("div", {},
    customer.id ? h("a", { href: `#/customers/${encodeURIComponent(customer.id)}` }, h("strong", {}, customer.full_name || customer.id)) : h("strong", {}, customer.full_name),
    facts([
      [t("phone"), customer.phone],
      [t("email"), customer.email],
      [t("city"), customer.city],
      [t("national_id", "ID number"), customer.national_id],
      [t("kind", "Kind"), customer.kind],
      [t("registered_by", "Registered by"), [customer.registered_by, customer.registered_at ? ` · ${when(customer.registered_at)}` : ""].join("")],
    ]));
}

function reviewDecision(row, me) {
  const status = row.status || "pending";
  if (status !== "pending") return badge(t(status, status.replaceAll("_", " ")), status === "merged" ? "good" : null);
  if (me.role !== "hq_admin") return badge(t("pending", "pending"));
  const cell = h("div", { class: "row" });
  const box = h("p", { class: "field-error", role: "alert" });
  const decide = (decision, text, attributes) => {
    const button = h("button", { type: "button", ...attributes }, text);
    button.addEventListener("click", async () => {
      for (const b of cell.querySelectorAll("button")) b.disabled = true;
      box.textContent = "";
      try {
        const decided = await api("POST", `/customers/reviews/${encodeURIComponent(row.id)}`, { body: { decision } });
        const status = decided.status || (decision === "merge" ? "merged" : "kept_apart");
        clear(holder, badge(t(status, status.replaceAll("_", " ")), status === "merged" ? "good" : null));
        toast(t(status, status.replaceAll("_", " ")));
      } catch (error) {
        box.textContent = error.message;
        for (const b of cell.querySelectorAll("button")) b.disabled = false;
      }
    });
    return button;
  };
  cell.append(decide("merge", t("merge"), {}), decide("keep_apart", t("keep_apart"), { class: "secondary" }));
  const holder = h("div", { "data-testid": "merge-decision" }, cell, box);
  return holder;
}

export async function merges(main, params, me) {
  clear(main, page(t("merges")),
    h("div", { "data-testid": "merge-queue" }, pagedTable({
      path: "/customers/reviews",
      rowsOf: (reply) => reply.reviews || [],
      empty: t("merges_empty", "No possible duplicates are waiting."),
      columns: [
        [t("record", "Record"), (r) => customerCard(r.customer)],
        [t("possible_duplicate", "Possible duplicate"), (r) => customerCard(r.candidate)],
        [t("score", "Match"), (r) => [h("strong", {}, `${Math.round(Number(r.score || 0) * 100)}%`),
          (r.reasons || []).length ? h("ul", {}, r.reasons.map((reason) => h("li", {}, reason))) : null,
          h("div", { class: "muted" }, when(r.created_at))]],
        [t("decision", "Decision"), (r) => reviewDecision(r, me)],
      ],
    })));
}

// --- Receivables -------------------------------------------------------------------------------------

function receivablesCard(row, title, link, testid) {
  const overdue = Number(row.ageing?.total_minor || 0) - Number(row.ageing?.current_minor || 0);
  return h("section", { class: "card", "data-testid": testid },
    h("h2", {}, link ? h("a", { href: link }, title) : title),
    facts([
      [t("balance"), money(row.balance_minor, row.currency)],
      [t("overdue", "Overdue"), money(overdue, row.currency)],
      [t("dealers", "Dealers"), row.dealers ?? 0],
      [t("credit_limit", "Credit limit"), money(row.credit_limit_minor, row.currency)],
      [t("credit_used", "Credit used"), money(row.credit_used_minor, row.currency)],
      [t("open_disputes", "Open disputes"), row.open_disputes || null],
      [t("dealers_held", "Dealers with orders held"), row.dealers_held ? badge(String(row.dealers_held), "bad") : null],
    ]),
    ageingBars(row.ageing, row.currency, link, t("receivables_ageing")),
    link && h("p", {}, h("a", { href: link }, t("dealer_accounts", "Dealer accounts"))));
}

export async function receivables(main, { query }) {
  const region = query.get("region") || "";
  const found = await api("GET", "/receivables");
  const regions = found.regions || [];
  const totals = found.totals || [];
  const linkOf = (code) => `#/receivables?${new URLSearchParams({ region: code })}`;
  const accounts = region && h("section", { class: "card", "data-testid": "dealer-accounts" },
    h("h2", {}, `${t("dealer_accounts", "Dealer accounts")} · ${region}`),
    h("p", {}, h("a", { href: "#/receivables" }, `← ${t("all_regions", "All regions")}`)),
    pagedTable({
      path: "/dealer-accounts",
      query: { region },
      rowsOf: (reply) => reply.accounts || [],
      empty: t("accounts_empty", "No dealer accounts in this region."),
      columns: [
        [t("dealer"), (a) => h("a", { href: `#/dealer-accounts/${encodeURIComponent(a.dealer_code)}` }, a.dealer_code)],
        [t("balance"), (a) => money(a.balance_minor, a.currency), { num: true }],
        [t("overdue", "Overdue"), (a) => money(Number(a.ageing?.total_minor || 0) - Number(a.ageing?.current_minor || 0), a.currency), { num: true }],
        [t("credit_limit", "Credit limit"), (a) => (a.credit_terms_set ? money(a.credit_limit_minor, a.currency) : "—"), { num: true, narrow: true }],
        [t("credit_available", "Credit available"), (a) => (a.credit_terms_set ? money(a.credit_available_minor, a.currency) : "—"), { num: true, narrow: true }],
        [t("reminder_level", "Reminder level"), (a) => a.reminder_level || "", { num: true, narrow: true }],
        [t("orders_held", "Orders held"), (a) => (a.orders_held ? badge(t("orders_held", "Orders held"), "bad") : "")],
        [t("open_disputes", "Open disputes"), (a) => a.open_disputes || "", { num: true, narrow: true }],
      ],
    }));
  clear(main, page(t("receivables")),
    h("p", { class: "muted" }, `${t("as_of", "As of")}: ${when(found.as_of)}`),
    accounts,
    !regions.length && !totals.length ? emptyLine(t("receivables_empty", "No receivables.")) : null,
    h("div", { class: "grid", "data-testid": "receivables-ageing" },
      totals.map((row) => receivablesCard(row, `${t("all_regions", "All regions")} (${row.currency})`, null, "receivables-total")),
      regions.map((row) => receivablesCard(row, `${row.region || "—"} (${row.currency})`, row.region ? linkOf(row.region) : null, "receivables-region"))));
}
