// Small building blocks every page uses: elements, forms that show the API's field errors,
// lists that page with the API's next_page_token, money and dates for people.

import { ApiError, api } from "./api.js";
import { t } from "./i18n.js";

export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

export function page(title, ...children) {
  document.title = `${title} · dealernet`;
  return [h("h1", {}, title), ...children];
}

let fieldIds = 0;

// A labelled input; its error line is filled from the API's problem by `showProblem`.
export function field(label, name, attributes = {}) {
  const id = `f${++fieldIds}`;
  const errorId = `${id}-error`;
  const { as, options, ...rest } = attributes;
  let control;
  if (as === "select") {
    control = h("select", { id, name, "aria-describedby": errorId, ...rest },
      (options || []).map(([value, text]) => h("option", { value }, text)));
  } else if (as === "textarea") {
    control = h("textarea", { id, name, rows: 4, "aria-describedby": errorId, ...rest });
  } else {
    control = h("input", { id, name, "aria-describedby": errorId, ...rest });
  }
  return h("label", { for: id }, label, control, h("span", { class: "field-error", id: errorId, "data-error-for": name }));
}

export function problemBox() {
  return h("div", { class: "problem", role: "alert", hidden: true });
}

// Show an error from the API: each field's message beside its input, the rest in the box.
export function showProblem(form, box, error) {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const fields = error instanceof ApiError ? error.fieldErrors : {};
  const unplaced = [];
  for (const [name, message] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = message;
      form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute("aria-invalid", "true");
    } else {
      unplaced.push(`${name}: ${message}`);
    }
  }
  const text = unplaced.length ? unplaced.join("; ") : Object.keys(fields).length ? "" : error.message;
  box.textContent = text;
  box.hidden = !text;
  form.querySelector('[aria-invalid="true"]')?.focus();
}

export function clearProblem(form, box) {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  box.textContent = "";
  box.hidden = true;
}

// Wire a form: `submit(values)` calls the API; its problems are shown on the form.
export function onSubmit(form, box, submit) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    clearProblem(form, box);
    try {
      await submit(Object.fromEntries(new FormData(form)));
    } catch (error) {
      showProblem(form, box, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

export function toast(text) {
  const node = document.getElementById("toast");
  node.textContent = text;
  setTimeout(() => { if (node.textContent === text) node.textContent = ""; }, 4000);
}

const EXPONENTS = { JPY: 0, KRW: 0 };

// Digits after the point in a currency's amounts (ISO 4217), as plumbing/money.py keeps them.
export function exponent(currency) {
  return EXPONENTS[currency] ?? 2;
}

export function money(minor, currency) {
  if (minor === undefined || minor === null || minor === "") return "";
  const places = exponent(currency);
  const value = BigInt(minor);
  const negative = value < 0n;
  const whole = (negative ? -value : value) / 10n ** BigInt(places);
  const fraction = (negative ? -value : value) % 10n ** BigInt(places);
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = places ? `${grouped}.${fraction.toString().padStart(places, "0")}` : grouped;
  return `${currency || ""} ${negative ? "-" : ""}${text}`.trim();
}

export function when(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

function cellClass(options) {
  return options?.num ? "num" : options?.narrow ? "hide-narrow" : null;
}

// A table of `rows`; `columns`: [label, row => cell, {num, narrow}].
export function tableOf(columns, rows) {
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map(([label, , opts]) => h("th", { scope: "col", class: cellClass(opts) }, label)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell, opts]) => h("td", { class: cellClass(opts) }, cell(row)))))));
}

// A table of rows already at hand (not paged), or `emptyText` when there are none.
export function listTable(columns, rows, emptyText = t("nothing_yet")) {
  return rows.length ? h("div", { class: "table-wrap" }, tableOf(columns, rows)) : emptyLine(emptyText);
}

export function emptyLine(text) {
  return h("p", { class: "empty" }, text);
}

export function errorLine(error) {
  return h("p", { class: "problem", role: "alert" }, error.message);
}

// A list of term/value pairs; pairs without a value are left out.
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, value]) => value !== undefined && value !== null && value !== "" && value !== false)
    .flatMap(([term, value]) => [h("dt", { class: "muted" }, term), h("dd", {}, value)]));
}

export function orderLink(number) {
  return h("a", { href: `#/orders/${encodeURIComponent(number)}` }, number);
}

export function requestLink(id, text) {
  return h("a", { href: `#/support/${encodeURIComponent(id)}` }, text || id);
}

// A table of rows from a paged API list. `columns`: [label, row => cell, {num}]; `rowsOf`
// picks the list from the reply. Pages forward with the reply's next_page_token.
export function pagedTable({ path, query = {}, rowsOf, columns, empty = t("nothing_yet"), pageSize = 20 }) {
  const wrap = h("div", { class: "table-wrap" });
  const pager = h("div", { class: "pager" });
  const box = problemBox();
  const holder = h("div", {}, box, wrap, pager);
  const tokens = [""];
  async function load(index) {
    clear(wrap, h("p", { class: "muted" }, t("loading")));
    try {
      const reply = await api("GET", path, { query: { ...query, page_size: pageSize, page_token: tokens[index] } });
      const rows = rowsOf(reply);
      tokens[index + 1] = reply.next_page_token || "";
      if (!rows.length) {
        clear(wrap, emptyLine(empty));
      } else {
        clear(wrap, tableOf(columns, rows));
      }
      clear(pager,
        index > 0 && h("button", { type: "button", class: "secondary", onclick: () => load(0) }, t("first_page")),
        tokens[index + 1] && h("button", { type: "button", class: "secondary", onclick: () => load(index + 1) }, t("next_page")));
    } catch (error) {
      clear(wrap);
      box.textContent = error.message;
      box.hidden = false;
    }
  }
  load(0);
  return holder;
}

// A horizontal bar chart in SVG; each bar links to the list behind its figure.
export function bars(items, { label = (i) => i.key, value = (i) => i.count, link = (i) => i.link, title = "" } = {}) {
  const shown = items.filter((item) => value(item) !== undefined);
  if (!shown.length) return emptyLine(t("nothing_yet"));
  const max = Math.max(1, ...shown.map((item) => Number(value(item))));
  const rowHeight = 24;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "bars");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  svg.setAttribute("viewBox", `0 0 400 ${shown.length * rowHeight}`);
  shown.forEach((item, index) => {
    const y = index * rowHeight;
    const width = Math.max(2, (Number(value(item)) / max) * 230);
    const group = document.createElementNS(ns, link(item) ? "a" : "g");
    if (link(item)) group.setAttribute("href", link(item));
    const name = document.createElementNS(ns, "text");
    name.setAttribute("x", 0); name.setAttribute("y", y + 16);
    name.textContent = String(label(item) || "—").slice(0, 18);
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", 120); rect.setAttribute("y", y + 4);
    rect.setAttribute("width", width); rect.setAttribute("height", rowHeight - 8);
    const count = document.createElementNS(ns, "text");
    count.setAttribute("x", 126 + width); count.setAttribute("y", y + 16);
    count.textContent = String(value(item));
    const tip = document.createElementNS(ns, "title");
    tip.textContent = `${label(item)}: ${value(item)}`;
    group.append(tip, name, rect, count);
    svg.append(group);
  });
  return svg;
}
