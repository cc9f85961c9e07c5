// The portal's shell: log in, the menu for the user's role, and a page per address
// (#/orders/ORD-2027-0000042). Each page is a module under pages/ exporting its views.

import { ApiError, logIn, logOut, session } from "./api.js";
import { language, setLanguage, t, translateShell } from "./i18n.js";
import { clear, field, h, onSubmit, page, problemBox } from "./ui.js";

const DEALERS = ["dealer_user", "dealer_admin"];
const STATIONS = ["station_user"];
const HQ = ["hq_analyst", "hq_engineer", "hq_admin", "hq_finance"];
const WATCHERS = [...HQ, "ops"];

// [address pattern, module, view, roles, menu label or null]
const ROUTES = [
  ["/orders", "orders", "list", [...DEALERS, ...WATCHERS], "orders"],
  ["/orders/new", "orders", "create", DEALERS, "new_order"],
  ["/orders/:order_number", "orders", "show", [...DEALERS, ...WATCHERS], null],
  ["/track", "orders", "track", [...DEALERS, ...WATCHERS], "track"],
  ["/stock", "stock", "list", DEALERS, "stock"],
  ["/stock/network", "stock", "network", DEALERS, "network"],
  ["/stock/transfers", "stock", "transfers", DEALERS, "transfers"],
  ["/customers", "customers", "list", [...DEALERS, "hq_admin"], "customers"],
  ["/customers/new", "customers", "create", DEALERS, null],
  ["/customers/:customer_id", "customers", "show", [...DEALERS, ...WATCHERS], null],
  ["/account", "account", "mine", DEALERS, "account"],
  ["/dealer-accounts/:dealer_code", "account", "show", [...DEALERS, ...WATCHERS], null],
  ["/vehicles", "station", "vehicle", STATIONS, "vin_lookup"],
  ["/knowledge", "station", "knowledge", [...STATIONS, ...DEALERS, ...WATCHERS], "knowledge"],
  ["/support", "station", "requests", [...STATIONS, ...WATCHERS], "support"],
  ["/support/new", "station", "openRequest", STATIONS, null],
  ["/support/:request_id", "station", "request", [...STATIONS, ...WATCHERS], null],
  ["/parts", "station", "parts", [...STATIONS, ...DEALERS], "parts"],
  ["/dashboard", "hq", "dashboard", WATCHERS, "dashboard"],
  ["/dashboard/:list", "hq", "drilldown", WATCHERS, null],
  ["/review", "hq", "review", ["hq_admin", "hq_analyst", "hq_finance"], "review"],
  ["/desk", "hq", "desk", ["hq_engineer", "hq_admin"], "desk"],
  ["/merges", "hq", "merges", ["hq_admin", "hq_analyst"], "merges"],
  ["/receivables", "hq", "receivables", WATCHERS, "receivables"],
];

const HOME = { dealer: "/orders", station: "/support", hq: "/dashboard", ops: "/dashboard" };

function match(path) {
  for (const [pattern, module, view, roles] of ROUTES) {
    const names = [];
    const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), "([^/]+)"))}$`);
    const found = regex.exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { module, view, roles, params };
    }
  }
  return null;
}

function address() {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { path: path || "/", query: new URLSearchParams(query) };
}

function renderMenu(me) {
  const nav = document.getElementById("nav");
  const { path } = address();
  clear(nav, me ? ROUTES.filter(([, , , roles, label]) => label && roles.includes(me.role)).map(([pattern, , , , label]) =>
    h("a", { href: `#${pattern}`, "aria-current": path === pattern ? "page" : null }, t(label))) : []);
  document.getElementById("who").textContent = me ? `${me.subject}${me.org_code ? ` · ${me.org_code}` : ""}` : "";
  document.getElementById("logout").hidden = !me;
}

function loginPage(main) {
  const form = h("form", { class: "stack card", "aria-label": t("log_in") },
    field(t("username"), "username", { autocomplete: "username", required: true }),
    field(t("password"), "password", { type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit" }, t("log_in")));
  const box = problemBox();
  form.prepend(box);
  onSubmit(form, box, async ({ username, password }) => {
    try {
      await logIn(username, password);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw new ApiError(401, { detail: error.message });
      throw error;
    }
    const { query } = address();
    location.hash = query.get("next") || "#/";
    route();
  });
  clear(main, page(t("log_in")), form);
  form.querySelector("input").focus();
}

export async function route() {
  // Each address gets a view of its own: a page still loading when the user moves on (the
  // home page right after logging in, say) draws into its detached view, never over the next.
  const main = h("div", { class: "view" });
  document.getElementById("app").replaceChildren(main);
  const me = session()?.me;
  renderMenu(me);
  translateShell();
  const { path, query } = address();
  if (!me) {
    loginPage(main);
    return;
  }
  if (path === "/") {
    location.replace(`#${HOME[me.side] || "/orders"}`);
    return;
  }
  const found = match(path);
  if (!found) {
    clear(main, page(t("not_found", "Not found")), h("p", {}, t("no_such_page", "There is no such page.")));
    return;
  }
  if (!found.roles.includes(me.role)) {
    clear(main, page(t("not_allowed", "Not for your role")), h("p", {}, t("not_allowed_text", "Your role does not open this page.")));
    return;
  }
  clear(main, h("p", { class: "muted" }, t("loading")));
  try {
    const module = await import(`./pages/${found.module}.js`);
    await module[found.view](main, { ...found.params, query }, me);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.hash = `#/?next=${encodeURIComponent(location.hash)}`;
      return;
    }
    const notFound = error instanceof ApiError && error.status === 404;
    clear(main, page(notFound ? t("not_found", "Not found") : t("error")),
      h("p", { class: "problem", role: "alert" }, error.message));
  }
  if (main.isConnected) document.getElementById("app").focus({ preventScroll: true });
}

function start() {
  const choice = document.getElementById("lang");
  choice.value = language();
  setLanguage(choice.value);
  choice.addEventListener("change", () => { setLanguage(choice.value); route(); });
  document.getElementById("logout").addEventListener("click", async () => {
    await logOut();
    location.hash = "#/";
    route();
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
