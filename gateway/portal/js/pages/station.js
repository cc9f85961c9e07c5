// The service stations' side: a car looked up by VIN (owner, service history, bulletins),
// the knowledge base, technical support requests and their threads, and parts nearby.
// Headquarters' engineers open the same request pages to take and resolve requests.

import { ApiError, api } from "../api.js";
import { register, t } from "../i18n.js";
import {
  clear, emptyLine, errorLine, facts, field, h, listTable, onSubmit, page, pagedTable, problemBox, requestLink, toast, when,
} from "../ui.js";

register({
  look_up: "查询", vin_not_shown: "该车主信息不向贵站显示（仅在贵站处理该车期间及之后 30 天内可见）。",
  no_owner_known: "没有该车车主的记录。", contacts: "联系方式", consents: "同意的联系渠道",
  repairs: "维修记录", support_requests: "技术支持请求", no_history: "该车没有服务历史。",
  no_bulletins: "没有适用于该车的技术公告。", mileage_km: "里程（公里）", work_done: "维修内容",
  repaired_at: "维修时间", station: "服务站", opened: "提交时间", title: "标题", summary: "摘要",
  kind: "类型", dtc_codes: "故障码", search_articles: "搜索知识库", query: "关键词",
  was_this_helpful: "这篇文章解决问题了吗？", yes_solved: "是，已解决", not_solved: "否，未解决",
  feedback_thanks: "感谢反馈", request_id_optional: "相关支持请求编号（可选）", symptoms: "症状",
  solution: "解决方案", model_codes: "适用车型", years: "年款", bulletin_number: "公告编号",
  solved_count: "已解决反馈", not_solved_count: "未解决反馈", published: "发布时间",
  open_request: "提交请求", open_a_request: "新建支持请求", dtc_codes_hint: "故障码（逗号分隔）",
  model_code: "车型代码", model_year: "年款", similar_cases: "相似的已解决案例与文章",
  request_opened: "请求已提交", first_response_due: "首次响应期限", resolution_due: "解决期限",
  first_response_at: "首次响应时间", resolved_at: "解决时间", closed_at: "关闭时间", engineer: "工程师",
  escalation_level: "升级级别", next_escalation_at: "下次升级", late: "超时", on_time: "按时",
  thread: "沟通记录", no_messages: "暂无消息", reply: "回复", asks_station: "向服务站提问（暂停计时）",
  question_to_station: "向服务站的提问", resolution: "解决方案", close_request: "关闭请求",
  comment: "评价", reopen: "重新打开", reopened: "请求已重新打开", taken: "已认领", resolved: "已解决",
  closed: "已关闭", sent: "已发送", no_rating: "不评分", close_without_rating: "关闭（不评分）",
  age_hours: "已开启（小时）", description_label: "问题描述", location: "地点", available: "可用",
  distance_km: "距离（公里）", own_location: "本站", nearby: "附近", no_such_part: "没有该配件。",
  no_part_elsewhere: "附近没有该配件的库存。", requests_empty: "暂无支持请求。",
  articles_empty: "没有找到文章。", status_open: "待处理", status_in_progress: "处理中",
  status_waiting_on_station: "等待服务站", status_resolved: "已解决", status_closed: "已关闭",
  priority_low: "低", priority_normal: "普通", priority_high: "高", priority_critical: "紧急",
  kind_article: "文章", kind_bulletin: "公告", kind_request: "支持请求", any_kind: "全部类型",
});

const STATUSES = ["open", "in_progress", "waiting_on_station", "resolved", "closed"];
const ACTIVE = ["open", "in_progress", "waiting_on_station"];
const PRIORITIES = ["low", "normal", "high", "critical"];
const DESK = ["hq_engineer", "hq_admin"];
const THREAD_WRITERS = ["station_user", ...DESK];

// The suggestions the API gave when a request was opened, shown on the request's page.
const suggestionsFor = new Map();

const isStation = (me) => me.role === "station_user";
// A code from the API (status, priority, kind) in the reader's language.
const label = (prefix, value) => (value ? t(`${prefix}_${value}`, String(value).replaceAll("_", " ")) : "");

// Text with line breaks as paragraphs (the style sheet allows no inline styles).
function paragraphs(text, attributes = {}) {
  return h("div", attributes, String(text || "").split(/\n{2,}|\r?\n/).map((line) => h("p", {}, line)));
}

function articleLink(id, text) {
  return h("a", { href: `#/knowledge?article=${encodeURIComponent(id)}` }, text || id);
}

function statusBadge(status, attributes = {}) {
  const tone = status === "closed" || status === "resolved" ? "badge good" : "badge";
  return h("span", { class: tone, ...attributes }, status);
}

function refusedOrMissing(error) {
  return error instanceof ApiError && (error.status === 403 || error.status === 404);
}

// A list of term/value pairs; pairs without a value are left out.
// A small search form whose values go into the address, so the page can be linked and reloaded.
function addressForm(base, inputs, buttonText, current) {
  const form = h("form", { class: "row", role: "search" }, inputs, h("button", { type: "submit" }, buttonText));
  for (const [name, value] of Object.entries(current)) {
    const input = form.querySelector(`[name="${name}"]`);
    if (input && value) input.value = value;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (String(value).trim()) values.set(name, String(value).trim());
    location.hash = `#${base}${values.toString() ? `?${values}` : ""}`;
  });
  return form;
}

// --- A car by VIN ------------------------------------------------------------------------------------

export async function vehicle(main, { query }, me) {
  const vin = (query.get("vin") || "").trim().toUpperCase();
  const form = addressForm("/vehicles", [field(t("vin"), "vin", { required: true, maxlength: 17, autocomplete: "off", placeholder: "LDN2A4C19R0000001" })],
    t("look_up", "Look up"), { vin });
  if (!vin) {
    clear(main, page(t("vin_lookup")), form);
    return;
  }
  const owner = h("section", { class: "card", "data-testid": "vehicle-owner" }, h("h2", {}, t("owner")), h("p", { class: "muted" }, t("loading")));
  const history = h("section", { class: "card", "data-testid": "service-history" }, h("h2", {}, t("history")), h("p", { class: "muted" }, t("loading")));
  const bulletins = h("section", { class: "card", "data-testid": "vehicle-bulletins" }, h("h2", {}, t("bulletins")), h("p", { class: "muted" }, t("loading")));
  clear(main, page(`${t("vin_lookup")}: ${vin}`), form, h("div", { class: "grid" }, owner, bulletins), history);
  const path = `/vehicles/${encodeURIComponent(vin)}`;
  await Promise.all([
    api("GET", `${path}/owner`).then((view) => showOwner(owner, view, me), (error) => {
      const polite = refusedOrMissing(error)
        ? emptyLine(error.status === 404 && !isStation(me) ? t("no_owner_known", "No owner is known for this car.")
          : t("vin_not_shown", "The owner is not shown to your station: it is shown while your station works on the car (a support request or a repair) and for 30 days after."))
        : errorLine(error);
      clear(owner, h("h2", {}, t("owner")), polite);
    }),
    api("GET", `${path}/service-history`).then((found) => showHistory(history, found, vin, me),
      (error) => clear(history, h("h2", {}, t("history")), refusedOrMissing(error) ? emptyLine(t("no_history", "No service history for this car.")) : errorLine(error))),
    api("GET", `${path}/bulletins`).then((found) => showBulletins(bulletins, found),
      (error) => clear(bulletins, h("h2", {}, t("bulletins")), refusedOrMissing(error) ? emptyLine(t("no_bulletins", "No bulletins apply to this car.")) : errorLine(error))),
  ]);
}

function showOwner(section, view, me) {
  const customer = view.customer || {};
  const granted = (view.consents || []).filter((c) => c.granted).map((c) => c.channel);
  clear(section, h("h2", {}, t("owner")),
    facts([
      [t("name"), me.side === "station" || !customer.id ? customer.full_name : h("a", { href: `#/customers/${encodeURIComponent(customer.id)}` }, customer.full_name)],
      [t("kind", "Kind"), customer.kind],
      [t("city"), customer.city],
      [t("region"), customer.region],
      [t("contacts", "Contacts"), (view.contacts || []).map((c) => `${c.kind}: ${c.value}`).join(", ") ||
        [customer.phone, customer.email].filter(Boolean).join(", ")],
      [t("consents", "Contact allowed on"), granted.join(", ") || null],
    ]),
    (view.addresses || []).length ? h("p", { class: "muted" }, view.addresses.map((a) => [a.line, a.postal_code, a.city].filter(Boolean).join(", ")).join(" · ")) : null);
}

function showHistory(section, found, vin, me) {
  const requests = found.requests || [];
  const repairs = found.repairs || [];
  clear(section, h("h2", {}, t("history")),
    !requests.length && !repairs.length ? emptyLine(t("no_history", "No service history for this car.")) : null,
    requests.length ? [h("h3", {}, t("support_requests", "Support requests")), listTable([
      [t("subject"), (r) => requestLink(r.id, r.subject)],
      [t("station", "Station"), (r) => r.station_code, { narrow: true }],
      [t("priority"), (r) => label("priority", r.priority)],
      [t("status"), (r) => statusBadge(r.status)],
      [t("opened", "Opened"), (r) => when(r.opened_at), { narrow: true }],
    ], requests)] : null,
    repairs.length ? [h("h3", {}, t("repairs", "Repairs")), listTable([
      [t("repaired_at", "Repaired"), (r) => when(r.repaired_at)],
      [t("station", "Station"), (r) => r.station_code, { narrow: true }],
      [t("mileage_km", "Mileage (km)"), (r) => r.mileage_km, { num: true }],
      [t("work_done", "Work done"), (r) => r.work_done],
      [t("request"), (r) => (r.request_id ? requestLink(r.request_id, r.request_id.slice(0, 8)) : ""), { narrow: true }],
    ], repairs)] : null,
    isStation(me) && h("p", {}, h("a", { href: `#/support/new?vin=${encodeURIComponent(vin)}` }, t("open_a_request", "Open a request"))));
}

function showBulletins(section, found) {
  const articles = found.articles || [];
  clear(section, h("h2", {}, t("bulletins")),
    articles.length
      ? h("ul", {}, articles.map((a) => h("li", {}, a.bulletin_number ? `${a.bulletin_number} · ` : "", articleLink(a.id, a.title))))
      : emptyLine(t("no_bulletins", "No bulletins apply to this car.")));
}

// --- Knowledge base ----------------------------------------------------------------------------------

export async function knowledge(main, { query }, me) {
  const words = query.get("query") || "";
  const dtc = query.get("dtc_code") || "";
  const kind = query.get("kind") || "";
  const opened = query.get("article") || "";
  const form = addressForm("/knowledge", [
    field(t("query", "Words"), "query", { type: "search", maxlength: 500, placeholder: "misfire" }),
    field(t("dtc_code", "Fault code"), "dtc_code", { maxlength: 10, placeholder: "P0301", size: 8 }),
    field(t("kind", "Kind"), "kind", { as: "select", options: [["", t("any_kind", "Any kind")], ["article", label("kind", "article")], ["bulletin", label("kind", "bulletin")]] }),
  ], t("search"), { query: words, dtc_code: dtc, kind });
  const detail = h("div", {});
  const results = pagedTable({
    path: "/knowledge/articles",
    query: { query: words, dtc_code: dtc, kind },
    rowsOf: (reply) => reply.articles || [],
    empty: t("articles_empty", "No articles found."),
    columns: [
      [t("title", "Title"), (a) => h("a", { href: `#/knowledge?${new URLSearchParams({ ...(words && { query: words }), ...(dtc && { dtc_code: dtc }), ...(kind && { kind }), article: a.id })}` }, a.title)],
      [t("summary", "Summary"), (a) => summary(a.symptoms || a.solution)],
      [t("kind", "Kind"), (a) => label("kind", a.kind), { narrow: true }],
      [t("dtc_codes", "Fault codes"), (a) => (a.dtc_codes || []).join(", "), { narrow: true }],
    ],
  });
  clear(main, page(t("knowledge")), form, detail, h("h2", {}, t("search_articles", "Articles")), h("div", { "data-testid": "article-list" }, results));
  if (opened) await showArticle(detail, opened, me);
}

function summary(text) {
  const plain = String(text || "");
  return plain.length > 160 ? `${plain.slice(0, 157)}…` : plain;
}

async function showArticle(holder, id, me) {
  let article;
  try {
    article = await api("GET", `/knowledge/articles/${encodeURIComponent(id)}`);
  } catch (error) {
    clear(holder, h("section", { class: "card" }, errorLine(error)));
    return;
  }
  const years = article.year_from || article.year_to ? `${article.year_from || "…"}–${article.year_to || "…"}` : "";
  const counts = h("p", { class: "muted" }, `${t("solved_count", "Solved it")}: ${article.solved_count || 0} · ${t("not_solved_count", "Did not solve it")}: ${article.not_solved_count || 0}`);
  clear(holder, h("article", { class: "card", "data-testid": "article" },
    h("h2", {}, article.title),
    h("p", {}, h("span", { class: "badge" }, label("kind", article.kind)), " ", article.status !== "published" ? h("span", { class: "badge bad" }, article.status) : null),
    facts([
      [t("bulletin_number", "Bulletin number"), article.bulletin_number],
      [t("dtc_codes", "Fault codes"), (article.dtc_codes || []).join(", ")],
      [t("model_codes", "Models"), (article.model_codes || []).join(", ")],
      [t("years", "Model years"), years],
      [t("published", "Published"), when(article.published_at)],
    ]),
    article.symptoms && [h("h3", {}, t("symptoms", "Symptoms")), paragraphs(article.symptoms)],
    h("h3", {}, t("solution", "Solution")), paragraphs(article.solution),
    counts,
    isStation(me) && feedbackForm(article, counts)));
}

function feedbackForm(article, counts) {
  const solved = h("input", { type: "hidden", name: "solved", value: "true" });
  const form = h("form", { class: "stack", "aria-label": t("was_this_helpful", "Was this helpful?") },
    h("p", {}, h("strong", {}, t("was_this_helpful", "Was this helpful?"))),
    solved,
    field(t("request_id_optional", "Your support request it was tried on (optional)"), "request_id", { maxlength: 64 }),
    h("div", { class: "row" },
      h("button", { type: "submit", onclick: () => { solved.value = "true"; } }, t("yes_solved", "Yes, it solved it")),
      h("button", { type: "submit", class: "secondary", onclick: () => { solved.value = "false"; } }, t("not_solved", "No, it did not"))));
  const box = problemBox();
  form.prepend(box);
  onSubmit(form, box, async (values) => {
    const body = { solved: values.solved === "true" };
    if (values.request_id.trim()) body.request_id = values.request_id.trim();
    const updated = await api("POST", `/knowledge/articles/${encodeURIComponent(article.id)}/feedback`, { body });
    counts.textContent = `${t("solved_count", "Solved it")}: ${updated.solved_count || 0} · ${t("not_solved_count", "Did not solve it")}: ${updated.not_solved_count || 0}`;
    toast(t("feedback_thanks", "Thank you for the feedback"));
  });
  return form;
}

// --- Support requests --------------------------------------------------------------------------------

export async function requests(main, { query }, me) {
  const status = query.get("status") || "";
  const priority = query.get("priority") || "";
  const filter = h("form", { class: "row", role: "search" },
    h("label", {}, t("status"), h("select", { name: "status" },
      ["", ...STATUSES].map((s) => h("option", { value: s, selected: s === status || null }, s ? label("status", s) : t("all"))))),
    h("label", {}, t("priority"), h("select", { name: "priority" },
      ["", ...PRIORITIES].map((p) => h("option", { value: p, selected: p === priority || null }, p ? label("priority", p) : t("all"))))));
  filter.addEventListener("change", () => {
    const values = new URLSearchParams([...new FormData(filter)].filter(([, v]) => v));
    location.hash = `#/support${values.toString() ? `?${values}` : ""}`;
  });
  const table = pagedTable({
    path: "/support-requests",
    query: { status, priority },
    rowsOf: (reply) => reply.requests || [],
    empty: t("requests_empty", "No support requests."),
    columns: [
      [t("subject"), (r) => requestLink(r.id, r.subject || r.id)],
      [t("vin"), (r) => r.vin, { narrow: true }],
      !isStation(me) && [t("station", "Station"), (r) => r.station_code],
      [t("priority"), (r) => label("priority", r.priority)],
      [t("status"), (r) => statusBadge(r.status)],
      [t("opened", "Opened"), (r) => when(r.opened_at), { narrow: true }],
      [t("resolution_due", "Resolution due"), (r) => (ACTIVE.includes(r.status) ? deadline(r.resolution_due, r.resolution_late) : "")],
      [t("engineer", "Engineer"), (r) => r.engineer || "", { narrow: true }],
    ].filter(Boolean),
  });
  clear(main, page(t("support")),
    isStation(me) && h("p", {}, h("a", { href: "#/support/new" }, t("open_a_request", "Open a request"))),
    filter, h("div", { "data-testid": "request-list" }, table));
}

function deadline(due, late) {
  if (!due) return "";
  const passed = late || new Date(due).getTime() < Date.now();
  return h("span", { class: passed ? "badge bad" : null }, when(due));
}

function codes(text) {
  return String(text || "").split(/[\s,;]+/).map((c) => c.trim().toUpperCase()).filter(Boolean);
}

// An integer field sent as a number; anything else is sent as typed, so the API names the field.
function wholeNumber(text) {
  const value = String(text || "").trim();
  if (!value) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

export async function openRequest(main, { query }) {
  const form = h("form", { class: "stack card", "aria-label": t("open_a_request", "Open a request") },
    field(t("vin"), "vin", { required: true, maxlength: 17, autocomplete: "off", value: query.get("vin") || "" }),
    field(t("subject"), "subject", { required: true, maxlength: 200 }),
    field(t("description"), "description", { as: "textarea", required: true, maxlength: 10000 }),
    field(t("priority"), "priority", { as: "select", options: PRIORITIES.map((p) => [p, label("priority", p)]) }),
    field(t("dtc_codes_hint", "Fault codes (comma-separated)"), "dtc_codes", { placeholder: "P0301, P0302", autocomplete: "off" }),
    h("div", { class: "row" },
      field(t("model_code", "Model code"), "model_code", { maxlength: 20, size: 8 }),
      field(t("model_year", "Model year"), "model_year", { type: "number", min: 1980, max: 2100, step: 1, inputmode: "numeric" }),
      field(t("mileage_km", "Mileage (km)"), "mileage_km", { type: "number", min: 1, max: 2000000, step: 1, inputmode: "numeric" })),
    h("button", { type: "submit" }, t("open_request", "Open request")));
  const priority = form.querySelector('select[name="priority"]');
  if (priority) priority.value = "normal";
  const box = problemBox();
  form.prepend(box);
  onSubmit(form, box, async (values) => {
    const body = {
      vin: values.vin.trim().toUpperCase(),
      subject: values.subject.trim(),
      description: values.description.trim(),
      priority: values.priority,
      dtc_codes: codes(values.dtc_codes),
    };
    if (values.model_code.trim()) body.model_code = values.model_code.trim().toUpperCase();
    const year = wholeNumber(values.model_year);
    if (year !== undefined) body.model_year = year;
    const mileage = wholeNumber(values.mileage_km);
    if (mileage !== undefined) body.mileage_km = mileage;
    const reply = await api("POST", "/support-requests", { body });
    const id = reply.request?.id;
    suggestionsFor.set(id, reply.suggestions || []);
    toast(t("request_opened", "Request opened"));
    location.hash = `#/support/${encodeURIComponent(id)}`;
  });
  clear(main, page(t("open_a_request", "Open a request")), form);
}

function suggestionList(suggestions) {
  return h("section", { class: "card", "data-testid": "suggestions" },
    h("h2", {}, t("similar_cases", "Similar solved cases and articles")),
    h("ul", {}, suggestions.map((s) => h("li", {},
      h("span", { class: "badge" }, label("kind", s.kind)), " ",
      s.kind === "request" ? requestLink(s.id, s.title || s.id) : articleLink(s.id, s.title || s.id)))));
}

export async function request(main, params, me) {
  const id = params.request_id;
  const path = `/support-requests/${encodeURIComponent(id)}`;
  const [found, thread] = await Promise.all([
    api("GET", path),
    api("GET", `${path}/messages`).catch((error) => ({ error })),
  ]);
  const again = () => request(main, params, me);
  const active = ACTIVE.includes(found.status);
  const suggestions = suggestionsFor.get(found.id) || [];
  clear(main, page(found.subject || t("request")),
    h("p", {}, h("a", { href: "#/support" }, `← ${t("back")}`)),
    h("section", { class: "card" },
      h("p", {}, `${t("status")}: `, statusBadge(found.status, { "data-testid": "request-status" }), " ",
        h("span", { class: "badge" }, `${t("priority")}: ${label("priority", found.priority)}`),
        found.escalation_level ? [" ", h("span", { class: "badge bad" }, `${t("escalation_level", "Escalation level")} ${found.escalation_level}`)] : null),
      facts([
        [t("vin"), isStation(me) ? h("a", { href: `#/vehicles?vin=${encodeURIComponent(found.vin)}` }, found.vin) : found.vin],
        [t("station", "Station"), found.station_code],
        [t("region"), found.region],
        [t("model"), [found.model_code, found.model_year || ""].filter(Boolean).join(" ")],
        [t("mileage_km", "Mileage (km)"), found.mileage_km || null],
        [t("dtc_codes", "Fault codes"), (found.dtc_codes || []).join(", ")],
        [t("opened", "Opened"), when(found.opened_at)],
        [t("engineer", "Engineer"), found.engineer],
        [t("first_response_due", "First response due"), found.first_response_at ? null : deadline(found.first_response_due, found.first_response_late)],
        [t("first_response_at", "First response"), found.first_response_at && [when(found.first_response_at), " ", lateness(found.first_response_late)]],
        [t("resolution_due", "Resolution due"), active ? deadline(found.resolution_due, found.resolution_late) : null],
        [t("resolved_at", "Resolved"), found.resolved_at && [when(found.resolved_at), " ", lateness(found.resolution_late)]],
        [t("closed_at", "Closed"), when(found.closed_at)],
        [t("rating"), found.rating ? `${found.rating} / 5` : null],
        [t("next_escalation_at", "Next escalation"), active ? when(found.next_escalation_at) : null],
      ]),
      h("h3", {}, t("description_label", "Description")), paragraphs(found.description),
      found.resolution && [h("h3", {}, t("resolution", "Resolution")), paragraphs(found.resolution, { "data-testid": "request-resolution" })]),
    suggestions.length ? suggestionList(suggestions) : null,
    h("section", { class: "card" }, h("h2", {}, t("thread", "Thread")), threadView(thread),
      active && THREAD_WRITERS.includes(me.role) && replyForm(path, me, again)),
    actions(found, path, me, again));
}

function lateness(late) {
  return late ? h("span", { class: "badge bad" }, t("late", "late")) : h("span", { class: "badge good" }, t("on_time", "on time"));
}

function threadView(thread) {
  if (thread.error) return errorLine(thread.error);
  const messages = thread.messages || [];
  if (!messages.length) return emptyLine(t("no_messages", "No messages yet."));
  return h("ol", { class: "timeline", "data-testid": "request-thread" }, messages.map((m) =>
    h("li", { class: m.asks_station ? "hold" : null },
      h("div", { class: "muted" }, `${m.author_role === "engineer" ? t("engineer", "Engineer") : t("station", "Station")} · ${m.author} · ${when(m.created_at)}`,
        m.asks_station ? [" ", h("span", { class: "badge" }, t("question_to_station", "Question to the station"))] : null),
      paragraphs(m.body))));
}

function replyForm(path, me, again) {
  const form = h("form", { class: "stack", "aria-label": t("reply", "Reply") },
    field(t("reply", "Reply"), "body", { as: "textarea", required: true, maxlength: 10000 }),
    DESK.includes(me.role) && h("label", { class: "row" }, h("input", { type: "checkbox", name: "asks_station", value: "true" }), t("asks_station", "Ask the station (stops the clock)")),
    h("button", { type: "submit" }, t("send")));
  const box = problemBox();
  form.prepend(box);
  onSubmit(form, box, async (values) => {
    const body = { body: values.body };
    if (DESK.includes(me.role)) body.asks_station = values.asks_station === "true";
    await api("POST", `${path}/messages`, { body });
    toast(t("sent", "Sent"));
    await again();
  });
  return form;
}

// One button's action with its problem shown beside it.
function actionButton(text, run, attributes = {}) {
  const box = h("span", { class: "field-error", role: "alert" });
  const button = h("button", { type: "button", ...attributes }, text);
  button.addEventListener("click", async () => {
    button.disabled = true;
    box.textContent = "";
    try {
      await run();
    } catch (error) {
      box.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  return h("span", { class: "row" }, button, box);
}

function actions(found, path, me, again) {
  const parts = [];
  const active = ACTIVE.includes(found.status);
  if (DESK.includes(me.role) && active) {
    if (found.engineer !== me.subject) {
      parts.push(actionButton(t("take"), async () => {
        await api("POST", `${path}/take`);
        toast(t("taken", "Taken"));
        await again();
      }, { "data-testid": "take-request" }));
    }
    const form = h("form", { class: "stack", "aria-label": t("resolve") },
      field(t("resolution", "Resolution"), "resolution", { as: "textarea", required: true, maxlength: 10000 }),
      h("button", { type: "submit" }, t("resolve")));
    const box = problemBox();
    form.prepend(box);
    onSubmit(form, box, async ({ resolution }) => {
      await api("POST", `${path}/resolve`, { body: { resolution } });
      toast(t("resolved", "Resolved"));
      await again();
    });
    parts.push(form);
  }
  if (isStation(me) && found.status === "resolved") parts.push(closeForm(path, again));
  if (DESK.includes(me.role) && found.status === "resolved") {
    parts.push(actionButton(t("close_without_rating", "Close without rating"), async () => {
      await api("POST", `${path}/close`, { body: {} });
      toast(t("closed", "Closed"));
      await again();
    }, { class: "secondary" }));
  }
  if (isStation(me) && (found.status === "resolved" || found.status === "closed")) {
    parts.push(actionButton(t("reopen", "Reopen"), async () => {
      await api("POST", `${path}/reopen`);
      toast(t("reopened", "Request reopened"));
      await again();
    }, { class: "secondary" }));
  }
  return parts.length ? h("section", { class: "card stack" }, parts) : null;
}

function closeForm(path, again) {
  const form = h("form", { class: "stack", "aria-label": t("close_request", "Close request") },
    field(t("rating"), "rating", { as: "select", options: [["", t("no_rating", "No rating")], ...[5, 4, 3, 2, 1].map((n) => [String(n), `${n} / 5`])] }),
    field(t("comment", "Comment"), "comment", { as: "textarea", maxlength: 2000, rows: 2 }),
    h("button", { type: "submit" }, t("close_request", "Close request")));
  const rating = form.querySelector('select[name="rating"]');
  if (rating) rating.value = "5";
  const box = problemBox();
  form.prepend(box);
  onSubmit(form, box, async ({ rating, comment }) => {
    const body = { comment: comment.trim() };
    if (rating) body.rating = Number(rating);
    await api("POST", `${path}/close`, { body });
    toast(t("closed", "Closed"));
    await again();
  });
  return form;
}

// --- Parts nearby ------------------------------------------------------------------------------------

export async function parts(main, { query }) {
  const number = (query.get("part_number") || "").trim();
  const form = addressForm("/parts", [field(t("part_number"), "part_number", { required: true, maxlength: 40, placeholder: "BRK-PAD-F", autocomplete: "off" })],
    t("look_up", "Look up"), { part_number: number });
  if (!number) {
    clear(main, page(t("parts")), form);
    return;
  }
  const result = h("section", { class: "card", "data-testid": "part-availability" }, h("p", { class: "muted" }, t("loading")));
  clear(main, page(`${t("parts")}: ${number}`), form, result);
  let found;
  try {
    found = await api("GET", `/stock/parts/${encodeURIComponent(number)}/availability`);
  } catch (error) {
    clear(result, error instanceof ApiError && error.status === 404 ? emptyLine(t("no_such_part", "There is no such part.")) : errorLine(error));
    return;
  }
  const rows = [...(found.own ? [{ ...found.own, own: true }] : []), ...(found.nearby || [])];
  clear(result,
    h("h2", {}, `${found.part_number} ${found.description ? `· ${found.description}` : ""}`),
    rows.length ? listTable([
      [t("location", "Location"), (l) => [l.location_name || l.location_code, " ", l.own ? h("span", { class: "badge good" }, t("own_location", "yours")) : null]],
      [t("kind", "Kind"), (l) => l.location_kind, { narrow: true }],
      [t("region"), (l) => l.region, { narrow: true }],
      [t("available", "Available"), (l) => l.available ?? 0, { num: true }],
      [t("distance_km", "Distance (km)"), (l) => (l.own ? "" : l.distance_km >= 0 ? Number(l.distance_km).toFixed(1) : "—"), { num: true }],
    ], rows) : emptyLine(t("no_part_elsewhere", "No stock of this part nearby.")));
}
