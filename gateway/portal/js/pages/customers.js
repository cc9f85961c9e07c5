// The customer master as a dealer sees it: its customers, registering one (after asking
// the master whether it holds them already), and the 360 view of one customer.

import { api } from "../api.js";
import { register, t } from "../i18n.js";
import { clear, field, h, onSubmit, orderLink, page, pagedTable, problemBox, toast, when } from "../ui.js";

register({
  register_customer: "登记客户", segment: "客户分层", value_tier: "价值等级", kind: "类型",
  person: "个人", company: "企业", segment_potential: "潜在", segment_target: "目标", segment_key: "重点",
  national_id: "证件号", address_line: "地址", postal_code: "邮编", consents: "联系许可",
  sms: "短信", post: "邮寄", channel: "渠道", country: "国家", no_support_requests: "无技术支持请求", registered: "登记时间", registered_by: "登记方",
  contacts: "联系方式", addresses: "地址", relationships: "关系", vehicles: "车辆",
  service_history: "服务历史", interactions: "互动记录", merged_ids: "已合并的记录",
  purchases: "购车次数", purchase_value: "购车金额", services: "服务次数", source_channel: "来源渠道",
  granted: "同意", withheld: "不同意", since: "起始", until: "截止", delivered_at: "交车时间",
  none_recorded: "无记录", duplicates_hint: "客户主数据中可能已有此客户：",
  register_anyway: "仍然登记为新客户", check_and_register: "检查并登记", decision: "判断",
  masked_phone: "电话（部分隐藏）", masked_email: "邮箱（部分隐藏）", not_yours: "非本店客户",
  already_known: "客户已存在，已关联到您的客户", customer_registered: "客户已登记",
  queued_for_review: "可能的重复已提交总部审核", summary: "摘要", reference: "单号",
  station: "服务站", occurred_at: "时间", recorded_by: "记录人", customer: "客户", region: "区域",
  dealer_code: "经销商代码", closed: "已关闭", opened: "已开启", support_requests: "技术支持请求", customer_details: "客户信息",
});

const SEGMENTS = ["", "potential", "target", "key"];
const CHANNELS = ["phone", "sms", "email", "post"];
const CHANNEL_NAMES = { phone: "Phone", sms: "SMS", email: "E-mail", post: "Post" };

function segmentLabel(segment) {
  return t(`segment_${segment}`, segment[0].toUpperCase() + segment.slice(1));
}

function kindLabel(kind) {
  return kind === "company" ? t("company", "Company") : t("person", "Person");
}

function channelLabel(channel) {
  return t(channel, CHANNEL_NAMES[channel] || channel);
}

function customerLink(customer) {
  return h("a", { href: `#/customers/${encodeURIComponent(customer.id)}` }, customer.full_name || customer.id);
}

export async function list(main, { query }, me) {
  const chosen = {
    segment: query.get("segment") || "",
    region: query.get("region") || "",
    dealer_code: me.side === "dealer" ? "" : query.get("dealer_code") || "",
  };
  const filter = h("form", { class: "row", role: "search", "aria-label": t("search") },
    h("label", {}, t("segment", "Segment"), h("select", { name: "segment" },
      SEGMENTS.map((s) => h("option", { value: s, selected: s === chosen.segment || null }, s ? segmentLabel(s) : t("all"))))),
    h("label", {}, t("region"), h("input", { name: "region", value: chosen.region, maxlength: 20, size: 8, placeholder: "EAST" })),
    me.side !== "dealer" && h("label", {}, t("dealer_code", "Dealer code"),
      h("input", { name: "dealer_code", value: chosen.dealer_code, maxlength: 20, size: 8, placeholder: "D001" })),
    h("button", { type: "submit" }, t("search")));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = new URLSearchParams();
    for (const [name, value] of new FormData(filter)) if (String(value).trim()) wanted.set(name, String(value).trim());
    location.hash = `#/customers${wanted.toString() ? `?${wanted}` : ""}`;
  });
  const table = pagedTable({
    path: "/customers",
    query: chosen,
    rowsOf: (reply) => reply.customers || [],
    columns: [
      [t("name"), (c) => customerLink(c)],
      [t("city"), (c) => c.city],
      [t("kind", "Kind"), (c) => kindLabel(c.kind), { narrow: true }],
      [t("segment", "Segment"), (c) => c.segment && h("span", { class: "badge" }, segmentLabel(c.segment))],
      [t("value_tier", "Value tier"), (c) => c.value_tier || "", { narrow: true }],
      [t("phone"), (c) => c.phone, { narrow: true }],
      [t("email"), (c) => c.email, { narrow: true }],
      [t("region"), (c) => c.region, { narrow: true }],
      [t("registered", "Registered"), (c) => when(c.registered_at), { narrow: true }],
    ],
  });
  clear(main, page(t("customers"),
    me.side === "dealer" && h("p", {}, h("a", { href: "#/customers/new" }, t("register_customer", "Register a customer"))),
    filter, table));
}

// --- Registering --------------------------------------------------------------------------------

function bodyOf(form) {
  const values = new FormData(form);
  const text = (name) => String(values.get(name) || "").trim();
  return {
    full_name: text("full_name"),
    kind: text("kind") || "person",
    phone: text("phone"),
    email: text("email"),
    city: text("city"),
    national_id: text("national_id"),
    address_line: text("address_line"),
    postal_code: text("postal_code"),
    consents: values.getAll("consents").map(String),
  };
}

function candidatesOf(matches) {
  return h("section", { class: "card", "data-testid": "duplicate-candidates", "aria-labelledby": "duplicates-heading" },
    h("h2", { id: "duplicates-heading" }, t("duplicates_found", "Possible duplicates")),
    h("p", {}, t("duplicates_hint", "The customer master may hold this customer already:")),
    h("ul", {}, matches.map((match) => h("li", {},
      match.customer_id
        ? h("a", { href: `#/customers/${encodeURIComponent(match.customer_id)}` }, t("open"), ` ${match.customer_id}`)
        : h("span", { class: "muted" }, t("not_yours", "Not your customer")),
      match.decision && [" · ", h("span", { class: "badge" }, match.decision)],
      match.masked_phone && ` · ${t("phone")}: ${match.masked_phone}`,
      match.masked_email && ` · ${t("email")}: ${match.masked_email}`))));
}

export async function create(main) {
  const box = problemBox();
  const candidates = h("div", {});
  const submit = h("button", { type: "submit" }, t("register"));
  const form = h("form", { class: "stack card", novalidate: true, "aria-label": t("register_customer", "Register a customer") },
    box,
    field(t("name"), "full_name", { required: true, maxlength: 200, autocomplete: "off" }),
    field(t("kind", "Kind"), "kind", { as: "select", options: [["person", t("person", "Person")], ["company", t("company", "Company")]] }),
    field(t("phone"), "phone", { type: "tel", maxlength: 40, placeholder: "+86 138 0013 8000" }),
    field(t("email"), "email", { type: "email", maxlength: 254 }),
    field(t("city"), "city", { maxlength: 100 }),
    field(t("national_id", "National id or company number"), "national_id", { maxlength: 40 }),
    field(t("address_line", "Address"), "address_line", { maxlength: 300 }),
    field(t("postal_code", "Postal code"), "postal_code", { maxlength: 20 }),
    h("fieldset", {}, h("legend", {}, t("consents", "May be contacted by")),
      h("div", { class: "row" }, CHANNELS.map((channel) => h("label", { class: "row" },
        h("input", { type: "checkbox", name: "consents", value: channel }), channelLabel(channel)))),
      h("span", { class: "field-error", "data-error-for": "consents" })),
    candidates,
    submit);

  // The duplicate check answered for exactly this body: registering it is then the dealer's choice.
  let checked = null;
  form.addEventListener("input", () => {
    if (checked === null) return;
    checked = null;
    clear(candidates);
    submit.textContent = t("register");
  });

  onSubmit(form, box, async () => {
    const body = bodyOf(form);
    const key = JSON.stringify(body);
    if (checked !== key) {
      const check = await api("POST", "/customers/duplicate-check", { body });
      const matches = check.matches || [];
      if (check.exists || matches.length) {
        checked = key;
        clear(candidates, candidatesOf(matches));
        submit.textContent = t("register_anyway", "Register as a new customer");
        candidates.scrollIntoView?.({ block: "nearest" });
        return;
      }
    }
    const reply = await api("POST", "/customers", { body });
    const customer = reply.customer || {};
    const notes = [reply.already_known ? t("already_known", "This customer was known already: linked to you") : t("customer_registered", "Customer registered")];
    if (reply.queued_for_review) notes.push(t("queued_for_review", "A possible duplicate went to headquarters for review"));
    toast(notes.join(". "));
    location.hash = `#/customers/${encodeURIComponent(customer.id)}`;
  });

  clear(main, page(t("register_customer", "Register a customer"), form));
  form.querySelector("input").focus();
}

// --- The 360 view -------------------------------------------------------------------------------

function section(title, testid, rows, columns) {
  return h("section", { "data-testid": testid, "aria-label": title },
    h("h2", {}, title),
    rows && rows.length
      ? h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, columns.map(([label, , opts]) => h("th", { scope: "col", class: opts?.num ? "num" : opts?.narrow ? "hide-narrow" : null }, label)))),
        h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell, opts]) => h("td", { class: opts?.num ? "num" : opts?.narrow ? "hide-narrow" : null }, cell(row))))))))
      : h("p", { class: "empty" }, t("none_recorded", "None recorded.")));
}

export async function show(main, { customer_id: id }, me) {
  const path = `/customers/${encodeURIComponent(id)}`;
  const [view, record] = await Promise.all([
    api("GET", `${path}/view`),
    // The cars handed over come with the customer record, not the view.
    api("GET", path).catch(() => null),
  ]);
  const customer = view.customer || record || {};
  const vehicles = record?.vehicles || customer.vehicles || [];
  const history = view.service_history || [];
  // A station's support requests on the customer's cars come in the service history.
  const requests = history.filter((event) => String(event.kind).startsWith("support_request"));
  const visits = history.filter((event) => !String(event.kind).startsWith("support_request"));
  const facts = [
    [t("kind", "Kind"), kindLabel(customer.kind)],
    [t("phone"), customer.phone],
    [t("email"), customer.email],
    [t("city"), customer.city],
    [t("region"), customer.region],
    [t("national_id", "National id or company number"), customer.national_id],
    [t("segment", "Segment"), customer.segment && segmentLabel(customer.segment)],
    [t("value_tier", "Value tier"), customer.value_tier],
    [t("purchases", "Purchases"), customer.purchases ? String(customer.purchases) : "0"],
    [t("services", "Services"), customer.services ? String(customer.services) : "0"],
    [t("registered_by", "Registered by"), `${customer.registered_by || ""} ${when(customer.registered_at)}`.trim()],
    [t("source_channel", "Source"), customer.source_channel],
  ].filter(([, value]) => value);
  clear(main, page(customer.full_name || id,
    h("section", { class: "card", "data-testid": "customer", "aria-label": t("customer_details", "Customer") },
      h("div", { class: "table-wrap" }, h("table", { class: "facts" }, h("tbody", {}, facts.map(([label, value]) =>
        h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, value))))))),
    section(t("contacts", "Contacts"), "contacts", view.contacts, [
      [t("kind", "Kind"), (c) => channelLabel(c.kind)],
      [t("contacts", "Contact"), (c) => c.value],
    ]),
    section(t("addresses", "Addresses"), "addresses", view.addresses, [
      [t("kind", "Kind"), (a) => a.kind],
      [t("address_line", "Address"), (a) => a.line],
      [t("postal_code", "Postal code"), (a) => a.postal_code, { narrow: true }],
      [t("city"), (a) => a.city],
      [t("country", "Country"), (a) => a.country, { narrow: true }],
    ]),
    section(t("consents", "May be contacted by"), "consents", view.consents, [
      [t("channel", "Channel"), (c) => channelLabel(c.channel)],
      [t("status"), (c) => h("span", { class: `badge ${c.granted ? "good" : "bad"}` }, c.granted ? t("granted", "Agreed") : t("withheld", "Refused"))],
      [t("recorded_by", "Recorded by"), (c) => `${c.recorded_by || ""} ${when(c.recorded_at)}`.trim(), { narrow: true }],
    ]),
    section(t("relationships", "Relationships"), "relationships", view.relationships, [
      [t("dealer"), (r) => r.org_code],
      [t("kind", "Kind"), (r) => r.kind],
      [t("since", "Since"), (r) => when(r.since)],
      [t("until", "Until"), (r) => when(r.expires_at), { narrow: true }],
    ]),
    section(t("vehicles", "Vehicles"), "vehicles", vehicles, [
      [t("vin", "VIN"), (v) => v.vin],
      [t("order_number"), (v) => v.order_number && orderLink(v.order_number)],
      [t("dealer"), (v) => v.dealer_code, { narrow: true }],
      [t("delivered_at", "Delivered"), (v) => when(v.delivered_at)],
    ]),
    section(t("service_history", "Service history"), "service-history", visits, [
      [t("occurred_at", "When"), (s) => when(s.occurred_at)],
      [t("vin", "VIN"), (s) => s.vin],
      [t("station", "Station"), (s) => s.station_code, { narrow: true }],
      [t("kind", "Kind"), (s) => s.kind.replaceAll("_", " ")],
      [t("reference", "Reference"), (s) => s.reference, { narrow: true }],
      [t("summary", "Summary"), (s) => s.summary],
    ]),
    section(t("support_requests", "Support requests"), "support-requests", requests, [
      [t("occurred_at", "When"), (s) => when(s.occurred_at)],
      [t("request"), (s) => (me.side === "dealer" || !s.reference ? s.reference
        : h("a", { href: `#/support/${encodeURIComponent(s.reference)}` }, s.reference))],
      [t("vin", "VIN"), (s) => s.vin],
      [t("station", "Station"), (s) => s.station_code, { narrow: true }],
      [t("status"), (s) => (s.kind.endsWith("closed") ? t("closed", "Closed") : t("opened", "Opened"))],
      [t("summary", "Summary"), (s) => s.summary],
    ]),
    section(t("interactions", "Interactions"), "interactions", view.interactions, [
      [t("occurred_at", "When"), (i) => when(i.occurred_at)],
      [t("kind", "Kind"), (i) => i.kind],
      [t("summary", "Summary"), (i) => i.summary],
      [t("recorded_by", "Recorded by"), (i) => `${i.org_code || ""} ${i.recorded_by || ""}`.trim(), { narrow: true }],
    ]),
    (view.merged_ids || []).length > 0 && h("section", { "data-testid": "merged-ids" },
      h("h2", {}, t("merged_ids", "Records merged into this one")), h("p", {}, view.merged_ids.join(", ")))));
}
