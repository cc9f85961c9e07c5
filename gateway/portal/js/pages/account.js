// A dealer's account with the maker: balance, credit and ageing; the statement for a period
// (with its CSV and PDF, a dispute per line and the dealer's confirmation); invoices and
// payment reminders. Headquarters opens any dealer's; a dealer its own.

import { api } from "../api.js";
import { register, t } from "../i18n.js";
import { clear, field, h, listTable, money, onSubmit, orderLink, page, pagedTable, problemBox, toast, when } from "../ui.js";

register({
  dealer_account: "往来账", credit_limit: "信用额度", credit_used: "已用额度", credit_available: "可用额度",
  committed: "已批未开票订单", unapplied: "未核销款项", payment_terms: "账期（天）", discount: "折扣",
  as_of: "截至", ageing: "账龄", ageing_current: "未到期", ageing_1_30: "逾期 1-30 天", ageing_31_60: "逾期 31-60 天",
  ageing_61_90: "逾期 61-90 天", ageing_over_90: "逾期 90 天以上", total: "合计", reminder_level: "催款级别",
  orders_held: "新订单被暂停", open_disputes: "未决异议", no_credit_terms: "总部尚未设定信用条件",
  show_statement: "查看对账单", date: "日期", kind: "类型", reference: "单号", running_balance: "余额",
  disputed: "已提异议", send_dispute: "提交异议", dispute_sent: "异议已提交", totals: "合计",
  confirm_statement: "确认对账单", statement_confirmed: "对账单已确认", confirmed_by: "确认人",
  invoices: "发票", invoice_number: "发票号", issued_on: "开票日", due_on: "到期日", open_amount: "未付金额",
  days_overdue: "逾期天数", reminders: "催款通知", level: "级别", sent_at: "发送时间",
  invoice: "发票", payment: "付款", credit_note: "贷项通知单", paid: "已付", overdue: "逾期",
  no_lines: "本期无往来", no_open_items: "无未清项", cancel: "取消", yes: "是", no: "否",
  all_invoices: "全部发票", download_failed: "下载失败",
});

const BUCKETS = [
  ["current", "current_minor", "Current"],
  ["1-30", "days_1_30_minor", "1-30 days"],
  ["31-60", "days_31_60_minor", "31-60 days"],
  ["61-90", "days_61_90_minor", "61-90 days"],
  ["90+", "over_90_minor", "Over 90 days"],
];
const BUCKET_KEYS = { current: "ageing_current", "1-30": "ageing_1_30", "31-60": "ageing_31_60", "61-90": "ageing_61_90", "90+": "ageing_over_90" };

const LINE_KINDS = { invoice: "Invoice", payment: "Payment", credit_note: "Credit note" };

function isoDate(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

function facts(rows) {
  return h("table", { class: "facts" }, h("tbody", {}, rows.filter(Boolean).map(([label, value, attributes]) =>
    h("tr", {}, h("th", { scope: "row" }, label), h("td", { class: "num", ...(attributes || {}) }, value)))));
}

export async function mine(main, params, me) {
  return show(main, { ...params, dealer_code: me.org_code }, me);
}

export async function show(main, { dealer_code: code, query }, me) {
  const account = await api("GET", `/dealer-accounts/${encodeURIComponent(code)}`);
  const currency = account.currency;
  const isDealer = me.side === "dealer";
  const here = location.hash.replace(/^#/, "").split("?")[0] || `/dealer-accounts/${code}`;
  const bucket = BUCKET_KEYS[query?.get("ageing_bucket")] ? query.get("ageing_bucket") : "";

  // --- The account ---
  const ageing = account.ageing || {};
  const summary = h("section", { class: "grid", "aria-label": t("dealer_account", "Account") },
    h("div", { class: "card" },
      facts([
        [t("balance"), money(account.balance_minor, currency), { "data-testid": "balance" }],
        account.credit_terms_set && [t("credit_limit", "Credit limit"), money(account.credit_limit_minor, currency), { "data-testid": "credit-limit" }],
        [t("committed", "Approved orders not invoiced"), money(account.committed_minor, currency)],
        [t("credit_used", "Credit used"), money(account.credit_used_minor, currency), { "data-testid": "credit-used" }],
        account.credit_terms_set && [t("credit_available", "Credit available"), money(account.credit_available_minor, currency), { "data-testid": "credit-available" }],
        [t("unapplied", "Unapplied money"), money(account.unapplied_minor, currency)],
        account.credit_terms_set && [t("payment_terms", "Payment terms (days)"), String(account.payment_terms_days ?? "")],
        account.credit_terms_set && [t("discount", "Discount"), `${((account.discount_bp || 0) / 100).toFixed(2)} %`],
        [t("reminder_level", "Reminder level"), String(account.reminder_level || 0), { "data-testid": "reminder-level" }],
        [t("open_disputes", "Open disputes"), String(account.open_disputes || 0)],
      ]),
      !account.credit_terms_set && h("p", { class: "muted" }, t("no_credit_terms", "Headquarters has not set credit terms yet.")),
      account.as_of && h("p", { class: "muted" }, `${t("as_of", "As of")} ${when(account.as_of)}`)),
    h("div", { class: "card" },
      h("h2", {}, t("ageing", "Ageing")),
      h("div", { class: "table-wrap" }, h("table", { "data-testid": "ageing" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("ageing", "Ageing")), h("th", { scope: "col", class: "num" }, t("open_amount", "Open")))),
        h("tbody", {},
          BUCKETS.map(([name, key, english]) => h("tr", { "data-bucket": name },
            h("th", { scope: "row" }, h("a", { href: `#${here}?ageing_bucket=${encodeURIComponent(name)}` }, t(BUCKET_KEYS[name], english))),
            h("td", { class: "num" }, money(ageing[key] ?? 0, currency)))),
          h("tr", {}, h("th", { scope: "row" }, t("total", "Total")), h("td", { class: "num" }, money(ageing.total_minor ?? 0, currency))))))));

  const held = account.orders_held && h("p", { class: "problem", role: "alert", "data-testid": "orders-held" },
    `${t("orders_held", "New orders are held")}${account.hold_reason ? `: ${account.hold_reason}` : ""}`);

  // --- The statement ---
  const today = isoDate(new Date());
  const firstOfMonth = `${today.slice(0, 8)}01`;
  const statementBox = problemBox();
  const statementForm = h("form", { class: "row", "aria-label": t("statement"), novalidate: true },
    field(t("period_from"), "period_from", { type: "date", value: query?.get("period_from") || firstOfMonth, required: true }),
    field(t("period_to"), "period_to", { type: "date", value: query?.get("period_to") || today, required: true }),
    h("button", { type: "submit" }, t("show_statement", "Show statement")));
  const statementHolder = h("div", { "data-testid": "statement" });

  async function loadStatement(period) {
    const statement = await api("GET", `/dealer-accounts/${encodeURIComponent(code)}/statement`, { query: period });
    clear(statementHolder, statementView(statement, period));
  }

  async function download(format, period) {
    statementBox.hidden = true;
    try {
      const reply = await api("GET", `/dealer-accounts/${encodeURIComponent(code)}/statement`, { query: { ...period, format }, raw: true });
      const blob = await reply.blob();
      const named = /filename="?([^";]+)"?/.exec(reply.headers.get("Content-Disposition") || "");
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: named ? named[1] : `statement-${code}-${period.period_from}-${period.period_to}.${format}`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      statementBox.textContent = `${t("download_failed", "Download failed")}: ${error.message}`;
      statementBox.hidden = false;
    }
  }

  function disputeForm(line, row, period) {
    const box = problemBox();
    const form = h("form", { class: "stack", "aria-label": `${t("dispute")} ${line.reference}` },
      box, field(t("reason"), "reason", { as: "textarea", rows: 2, required: true, maxlength: 500 }),
      h("div", { class: "row" },
        h("button", { type: "submit" }, t("send_dispute", "Send dispute")),
        h("button", { type: "button", class: "secondary", onclick: () => holder.remove() }, t("cancel", "Cancel"))));
    const holder = h("tr", { class: "dispute-form" }, h("td", { colspan: 8 }, form));
    onSubmit(form, box, async ({ reason }) => {
      await api("POST", "/disputes", {
        body: { dealer_code: code, line_kind: line.kind, line_reference: line.reference, reason: String(reason || "").trim() },
      });
      toast(t("dispute_sent", "Dispute sent"));
      await loadStatement(period);
    });
    row.after(holder);
    form.querySelector("textarea").focus();
  }

  function statementView(statement, period) {
    const cur = statement.currency || currency;
    const lines = statement.lines || [];
    const ended = statement.period_to < today;
    const confirmation = statement.confirmation;
    const confirmBox = problemBox();
    let confirmForm = null;
    if (isDealer && ended && !confirmation) {
      confirmForm = h("form", { class: "row", "aria-label": t("confirm_statement", "Confirm statement") },
        h("button", { type: "submit" }, t("confirm_statement", "Confirm statement")));
      onSubmit(confirmForm, confirmBox, async () => {
        await api("POST", "/statement-confirmations", {
          body: {
            dealer_code: code,
            period_from: statement.period_from,
            period_to: statement.period_to,
            closing_balance_minor: statement.closing_balance_minor,
          },
        });
        toast(t("statement_confirmed", "Statement confirmed"));
        await loadStatement(period);
      });
    }
    const rows = lines.map((line) => {
      const disputeCell = h("td", {});
      const row = h("tr", { "data-reference": line.reference },
        h("td", {}, line.on),
        h("td", {}, t(line.kind, LINE_KINDS[line.kind] || line.kind)),
        h("td", {}, line.reference),
        h("td", { class: "hide-narrow" }, line.description),
        h("td", { class: "num" }, Number(line.debit_minor) ? money(line.debit_minor, cur) : ""),
        h("td", { class: "num" }, Number(line.credit_minor) ? money(line.credit_minor, cur) : ""),
        h("td", { class: "num" }, money(line.balance_minor, cur)),
        disputeCell);
      if (Number(line.dispute_id)) {
        disputeCell.append(h("span", { class: "badge bad" }, `${t("disputed", "Disputed")} #${line.dispute_id}`));
      } else if (isDealer) {
        disputeCell.append(h("button", { type: "button", class: "secondary", onclick: () => {
          const open = row.nextElementSibling?.classList.contains("dispute-form") ? row.nextElementSibling : null;
          if (open) open.querySelector("textarea").focus();
          else disputeForm(line, row, period);
        } }, t("dispute")));
      }
      return row;
    });
    const cls = (name) => (["debit", "credit", "running_balance"].includes(name) ? "num" : name === "description" ? "hide-narrow" : null);
    return [
      h("div", { class: "row" },
        h("button", { type: "button", class: "secondary", onclick: () => download("csv", period) }, t("download_csv", "Download CSV")),
        h("button", { type: "button", class: "secondary", onclick: () => download("pdf", period) }, t("download_pdf", "Download PDF"))),
      facts([[t("opening_balance"), money(statement.opening_balance_minor, cur), { "data-testid": "opening-balance" }]]),
      lines.length
        ? h("div", { class: "table-wrap" }, h("table", { "data-testid": "statement-lines" },
          h("thead", {}, h("tr", {},
            [["date", "Date"], ["kind", "Kind"], ["reference", "Reference"], ["description", "Description"], ["debit", "Debit"], ["credit", "Credit"], ["running_balance", "Balance"], ["dispute", "Dispute"]]
              .map(([key, english]) => h("th", { scope: "col", class: cls(key) }, t(key, english))))),
          h("tbody", {}, rows),
          h("tfoot", {}, h("tr", {},
            h("th", { scope: "row", colspan: 4 }, t("totals", "Totals")),
            h("td", { class: "num" }, money(statement.total_debit_minor, cur)),
            h("td", { class: "num" }, money(statement.total_credit_minor, cur)),
            h("td", {}), h("td", {})))))
        : h("p", { class: "empty" }, t("no_lines", "Nothing in this period.")),
      facts([[t("closing_balance"), money(statement.closing_balance_minor, cur), { "data-testid": "closing-balance" }]]),
      confirmation
        ? h("p", { class: "badge good", "data-testid": "statement-confirmation" },
          `${t("statement_confirmed", "Statement confirmed")}: ${money(confirmation.closing_balance_minor, cur)} · ${t("confirmed_by", "by")} ${confirmation.confirmed_by} · ${when(confirmation.confirmed_at)}`)
        : null,
      confirmBox, confirmForm,
      h("h3", {}, t("open_items")),
      listTable([
        [t("invoice_number", "Invoice"), (item) => item.invoice_number],
        [t("issued_on", "Issued"), (item) => item.issued_on, { narrow: true }],
        [t("due_on", "Due"), (item) => item.due_on],
        [t("total", "Total"), (item) => money(item.total_minor, cur), { num: true, narrow: true }],
        [t("open_amount", "Open"), (item) => money(item.open_minor, cur), { num: true }],
        [t("days_overdue", "Days overdue"), (item) => String(item.days_overdue || 0), { num: true }],
      ], statement.open_items || [], t("no_open_items", "No open items.")),
    ];
  }

  onSubmit(statementForm, statementBox, async ({ period_from, period_to }) => {
    const period = { period_from, period_to };
    await loadStatement(period);
  });

  // --- Invoices and reminders ---
  const invoices = pagedTable({
    path: "/invoices",
    query: { dealer_code: code, ageing_bucket: bucket },
    rowsOf: (reply) => reply.invoices || [],
    columns: [
      [t("invoice_number", "Invoice"), (i) => i.invoice_number],
      [t("order_number"), (i) => i.order_number && orderLink(i.order_number)],
      [t("vin", "VIN"), (i) => i.vin, { narrow: true }],
      [t("issued_on", "Issued"), (i) => i.issued_on, { narrow: true }],
      [t("due_on", "Due"), (i) => i.due_on],
      [t("total", "Total"), (i) => money(i.total_minor, i.currency || currency), { num: true }],
      [t("open_amount", "Open"), (i) => money(i.open_minor, i.currency || currency), { num: true }],
      [t("status"), (i) => h("span", { class: `badge${i.days_overdue > 0 && i.status === "open" ? " bad" : i.status === "paid" ? " good" : ""}` }, i.days_overdue > 0 && i.status === "open" ? t("overdue", "Overdue") : t(i.status, i.status === "paid" ? "Paid" : "Open"))],
      [t("days_overdue", "Days overdue"), (i) => String(i.days_overdue || 0), { num: true, narrow: true }],
      [t("reminder_level", "Reminder level"), (i) => String(i.reminder_level || 0), { num: true, narrow: true }],
    ],
  });
  const reminders = pagedTable({
    path: "/reminders",
    query: { dealer_code: code },
    rowsOf: (reply) => reply.reminders || [],
    columns: [
      [t("invoice_number", "Invoice"), (r) => r.invoice_number],
      [t("level", "Level"), (r) => String(r.level), { num: true }],
      [t("days_overdue", "Days overdue"), (r) => String(r.days_overdue || 0), { num: true }],
      [t("open_amount", "Open"), (r) => money(r.open_minor, r.currency || currency), { num: true }],
      [t("due_on", "Due"), (r) => r.due_on, { narrow: true }],
      [t("sent_at", "Sent"), (r) => when(r.sent_at)],
      [t("orders_held", "New orders are held"), (r) => (r.orders_held ? h("span", { class: "badge bad" }, t("yes", "Yes")) : t("no", "No")), { narrow: true }],
    ],
  });

  clear(main, page(`${t("dealer_account", "Account")} ${account.dealer_code || code}${account.region ? ` · ${account.region}` : ""}`,
    held, summary,
    h("section", { "aria-labelledby": "statement-heading" },
      h("h2", { id: "statement-heading" }, t("statement")), statementBox, statementForm, statementHolder),
    h("section", { "aria-labelledby": "invoices-heading", "data-testid": "invoices" },
      h("h2", { id: "invoices-heading" }, t("invoices", "Invoices"),
        bucket && [` · ${t(BUCKET_KEYS[bucket], BUCKETS.find(([name]) => name === bucket)[2])} `, h("a", { href: `#${here}` }, t("all_invoices", "All invoices"))]),
      invoices),
    h("section", { "aria-labelledby": "reminders-heading", "data-testid": "reminders" },
      h("h2", { id: "reminders-heading" }, t("reminders", "Payment reminders")), reminders)));

  // The current month's statement straight away.
  loadStatement({ period_from: statementForm.elements.period_from.value, period_to: statementForm.elements.period_to.value })
    .catch((error) => { statementBox.textContent = error.message; statementBox.hidden = false; });
}
