// A dealer's cars: its own stock, the network's cars it may ask a transfer of, and the
// transfers between dealers with the step each side may take next.

import { api } from "../api.js";
import { register, t } from "../i18n.js";
import { clear, field, h, onSubmit, orderLink, page, pagedTable, problemBox, toast, when } from "../ui.js";

register({
  age_days: "库龄（天）", location: "位置", reserved_for: "预留给", held_until: "保留至",
  transfer: "调拨", available: "可售", reserved: "已预留", in_transit: "在途", sold: "已售",
  written_off: "已核销", filter: "筛选", holder: "持有方", transfer_requested: "已申请调拨",
  transfer_number: "调拨单号", to_dealer: "调入经销商", requested_at: "申请时间", note: "备注",
  requested: "已申请", awaiting_hq: "待总部批准", shipped: "已发运", received: "已接收",
  declined: "已拒绝", cancelled: "已取消", ship: "发运", receive: "确认接收", decline: "拒绝",
  cancel: "取消", transfer_updated: "调拨已更新", network_hint: "网络中其他经销商或总部库存的可售车辆",
  decline_reason: "拒绝原因", no_cars: "没有车辆", no_transfers: "没有调拨",
});

const VEHICLE_STATUSES = ["", "available", "reserved", "in_transit", "sold", "written_off"];
const TRANSFER_STATUSES = ["", "requested", "awaiting_hq", "approved", "shipped", "received", "declined", "cancelled"];

function label(code) {
  return code ? t(code, code.replaceAll("_", " ")) : t("all");
}

async function catalogueModels() {
  try {
    return (await api("GET", "/catalogue")).models || [];
  } catch {
    return [];
  }
}

// A filter form whose values live in the address (#/stock?model_code=AUR), so a filtered
// list can be bookmarked and the back button works.
function filterForm(base, query, controls) {
  const form = h("form", { class: "row", role: "search", "aria-label": t("filter", "Filter") },
    controls, h("button", { type: "submit" }, t("search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (String(value).trim()) wanted.set(name, String(value).trim());
    const text = wanted.toString();
    location.hash = `#${base}${text ? `?${text}` : ""}`;
  });
  return form;
}

function select(text, name, options, chosen) {
  return h("label", {}, text, h("select", { name },
    options.map(([value, shown]) => h("option", { value, selected: value === chosen || null }, shown))));
}

function modelOptions(models) {
  return [["", t("all")], ...models.map((m) => [m.code, `${m.name} (${m.code})`])];
}

export async function list(main, { query }) {
  const models = await catalogueModels();
  const chosen = { model_code: query.get("model_code") || "", status: query.get("status") || "" };
  const filter = filterForm("/stock", query, [
    select(t("model"), "model_code", modelOptions(models), chosen.model_code),
    select(t("status"), "status", VEHICLE_STATUSES.map((s) => [s, label(s)]), chosen.status),
  ]);
  const table = pagedTable({
    path: "/stock/vehicles",
    query: chosen,
    rowsOf: (reply) => reply.vehicles || [],
    empty: t("no_cars", "No cars."),
    columns: [
      [t("vin", "VIN"), (v) => v.vin],
      [t("model"), (v) => `${v.model_code} ${v.trim_code} ${v.colour_code}`],
      [t("status"), (v) => h("span", { class: "badge" }, label(v.status))],
      [t("age_days", "Age (days)"), (v) => String(v.age_days ?? ""), { num: true }],
      [t("location", "Location"), (v) => v.location_code, { narrow: true }],
      [t("reserved_for", "Reserved for"), (v) => [
        v.reserved_for_order && orderLink(v.reserved_for_order),
        v.reserved_for_customer && h("a", { href: `#/customers/${encodeURIComponent(v.reserved_for_customer)}` }, ` ${t("customer", "customer")}`),
        v.reserved_for_dealer && !v.reserved_for_order ? ` ${v.reserved_for_dealer}` : "",
      ], { narrow: true }],
      [t("held_until", "Held until"), (v) => when(v.held_until), { narrow: true }],
      [t("transfer", "Transfer"), (v) => v.transfer_number || "", { narrow: true }],
    ],
  });
  clear(main, page(t("stock"),
    h("p", {}, h("a", { href: "#/stock/network" }, t("network")), " · ", h("a", { href: "#/stock/transfers" }, t("transfers"))),
    filter, table));
}

export async function network(main, { query }) {
  const models = await catalogueModels();
  const chosen = {
    model_code: query.get("model_code") || "",
    trim_code: query.get("trim_code") || "",
    colour_code: query.get("colour_code") || "",
    region: query.get("region") || "",
  };
  const modelSelect = select(t("model"), "model_code", modelOptions(models), chosen.model_code);
  const trimSelect = select(t("trim"), "trim_code", [], "");
  const colourSelect = select(t("colour"), "colour_code", [], "");
  // Trims and colours follow the model chosen; without a model, any.
  function fillChoices() {
    const model = models.find((m) => m.code === modelSelect.querySelector("select").value);
    const trims = model ? model.trims || [] : [];
    const colours = model ? model.colours || [] : [];
    const pick = (node, items, wanted) => clear(node.querySelector("select"),
      [["", t("all")], ...items.map((x) => [x.code, `${x.name} (${x.code})`])].map(([value, shown]) =>
        h("option", { value, selected: value === wanted || null }, shown)));
    pick(trimSelect, trims, chosen.trim_code);
    pick(colourSelect, colours, chosen.colour_code);
  }
  modelSelect.querySelector("select").addEventListener("change", fillChoices);
  fillChoices();
  const filter = filterForm("/stock/network", query, [
    modelSelect, trimSelect, colourSelect,
    h("label", {}, t("region"), h("input", { name: "region", value: chosen.region, maxlength: 20, size: 8, placeholder: "EAST" })),
  ]);
  const box = problemBox();
  function requestButton(vehicle) {
    const button = h("button", { type: "button", class: "secondary", "data-vin": vehicle.vin }, t("request_transfer"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      box.hidden = true;
      try {
        const transfer = await api("POST", "/stock/transfers", { body: { vin: vehicle.vin } });
        toast(`${t("transfer_requested", "Transfer requested")}: ${transfer.transfer_number}`);
        button.replaceWith(h("a", { href: "#/stock/transfers" }, `${t("transfer_requested", "Transfer requested")} · ${transfer.transfer_number}`));
      } catch (error) {
        box.textContent = `${vehicle.vin}: ${error.message}`;
        box.hidden = false;
        button.disabled = false;
      }
    });
    return button;
  }
  const table = pagedTable({
    path: "/stock/network",
    query: chosen,
    rowsOf: (reply) => reply.vehicles || [],
    empty: t("no_cars", "No cars."),
    columns: [
      [t("vin", "VIN"), (v) => v.vin],
      [t("model"), (v) => `${v.model_code} ${v.trim_code} ${v.colour_code}`],
      [t("holder", "Held by"), (v) => `${v.location_name || v.location_code}${v.location_name ? ` (${v.location_code})` : ""}`],
      [t("region"), (v) => v.region, { narrow: true }],
      [t("age_days", "Age (days)"), (v) => String(v.age_days ?? ""), { num: true, narrow: true }],
      [t("request_transfer"), (v) => requestButton(v)],
    ],
  });
  clear(main, page(t("network"),
    h("p", { class: "muted" }, t("network_hint", "Cars available at other dealers and in the maker's stock.")),
    filter, box, table));
}

// What the signed-in dealer may do next with a transfer, as the service allows it.
function stepsFor(transfer, me) {
  const giving = transfer.from_dealer === me.org_code;
  const asking = transfer.to_dealer === me.org_code;
  const steps = [];
  if (giving && transfer.status === "requested" && me.role === "dealer_admin") steps.push("approve", "decline");
  if (giving && transfer.status === "approved") steps.push("ship");
  if (asking && transfer.status === "shipped") steps.push("receive");
  if (asking && ["requested", "awaiting_hq", "approved"].includes(transfer.status)) steps.push("cancel");
  return steps;
}

export async function transfers(main, { query }, me) {
  const status = query.get("status") || "";
  const filter = filterForm("/stock/transfers", query, [
    select(t("status"), "status", TRANSFER_STATUSES.map((s) => [s, label(s)]), status),
  ]);
  const box = problemBox();
  const holder = h("div", {});

  async function act(transfer, step, body) {
    box.hidden = true;
    await api("POST", `/stock/transfers/${encodeURIComponent(transfer.transfer_number)}/${step}`, body ? { body } : {});
    toast(`${transfer.transfer_number}: ${t("transfer_updated", "Transfer updated")}`);
    showTable();
  }

  function actionsCell(transfer) {
    const cell = h("div", { class: "row" });
    for (const step of stepsFor(transfer, me)) {
      if (step === "decline") {
        const button = h("button", { type: "button", class: "secondary" }, t("decline", "Decline"));
        button.addEventListener("click", () => {
          const formBox = problemBox();
          const form = h("form", { class: "stack", "aria-label": t("decline", "Decline") },
            formBox, field(t("decline_reason", "Why declined"), "reason", { required: true, maxlength: 500 }),
            h("button", { type: "submit" }, t("decline", "Decline")));
          onSubmit(form, formBox, ({ reason }) => act(transfer, "decline", { reason }));
          cell.replaceChildren(form);
          form.querySelector("input").focus();
        });
        cell.append(button);
        continue;
      }
      const button = h("button", { type: "button", class: step === "cancel" ? "secondary" : null }, t(step, step[0].toUpperCase() + step.slice(1)));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await act(transfer, step);
        } catch (error) {
          box.textContent = `${transfer.transfer_number}: ${error.message}`;
          box.hidden = false;
          button.disabled = false;
        }
      });
      cell.append(button);
    }
    return cell;
  }

  function showTable() {
    clear(holder, pagedTable({
      path: "/stock/transfers",
      query: { status },
      rowsOf: (reply) => reply.transfers || [],
      empty: t("no_transfers", "No transfers."),
      columns: [
        [t("transfer_number", "Transfer"), (x) => x.transfer_number],
        [t("vin", "VIN"), (x) => x.vin],
        [t("from_dealer"), (x) => x.from_dealer],
        [t("to_dealer", "To dealer"), (x) => x.to_dealer],
        [t("status"), (x) => h("span", { class: `badge${["declined", "cancelled"].includes(x.status) ? " bad" : x.status === "received" ? " good" : ""}` }, label(x.status))],
        [t("requested_at", "Requested"), (x) => when(x.requested_at), { narrow: true }],
        [t("note", "Note"), (x) => [x.note, x.decline_reason && h("span", { class: "muted" }, ` ${x.decline_reason}`)], { narrow: true }],
        [t("actions", "Actions"), (x) => actionsCell(x)],
      ],
    }));
  }
  showTable();
  clear(main, page(t("transfers"),
    h("p", {}, h("a", { href: "#/stock/network" }, t("request_transfer"))),
    filter, box, holder));
}
