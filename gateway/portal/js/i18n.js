// Labels in English and Chinese: the maker's channel works in Chinese. Data (names, codes,
// the API's messages) is shown as it comes; the interface around it follows the choice.

const LABELS = {
  // English where a key's own words are not the label.
  en: { vin: "VIN", download_csv: "Download CSV", download_pdf: "Download PDF", dtc_codes: "DTC codes" },
  zh: {
    language: "语言", log_in: "登录", log_out: "退出", username: "用户名", password: "密码",
    home: "首页", orders: "订单", new_order: "下订单", track: "车辆追踪", stock: "库存",
    network: "网络库存", transfers: "调拨", customers: "客户", account: "往来账",
    vin_lookup: "VIN 查询", knowledge: "知识库", support: "技术支持", parts: "配件",
    dashboard: "渠道看板", review: "订单审核", desk: "工程师队列", merges: "重复客户合并",
    receivables: "应收账款", order_number: "订单号", vin: "VIN", status: "状态", stage: "阶段",
    model: "车型", trim: "配置", colour: "颜色", options: "选装", quantity: "数量",
    wanted_week: "期望周", place_order: "提交订单", placed: "下单时间", dealer: "经销商",
    region: "区域", price: "价格", expected_arrival: "预计到达", planned_arrival: "计划到达",
    hold: "暂停", timeline: "时间线", live: "实时", search: "搜索", next_page: "下一页",
    first_page: "第一页", nothing_yet: "暂无记录", save: "保存", open: "打开", close: "关闭",
    rating: "评分", subject: "主题", description: "描述", priority: "优先级", messages: "消息",
    send: "发送", approve: "批准", reject: "拒绝", reason: "原因", name: "姓名", phone: "电话",
    email: "邮箱", city: "城市", register: "登记", duplicates_found: "可能重复的客户",
    statement: "对账单", period_from: "起始日", period_to: "截止日", balance: "余额",
    opening_balance: "期初余额", closing_balance: "期末余额", debit: "借方", credit: "贷方",
    open_items: "未清项", confirm: "确认", dispute: "异议", download_csv: "下载 CSV",
    download_pdf: "下载 PDF", credit_check: "信用检查", late_cars: "延误车辆",
    orders_by_stage: "各阶段订单", orders_by_region: "各区域订单", stock_by_age: "各区域库龄库存",
    support_deadlines: "支持时限与满意度", customer_segments: "客户分层", receivables_ageing: "应收账龄",
    owner: "车主", history: "服务历史", bulletins: "技术公告", availability: "库存可用",
    part_number: "配件号", request: "请求", requests: "请求", take: "认领", resolve: "解决",
    merge: "合并", keep_apart: "保持分开", loading: "加载中…", error: "出错", back: "返回",
    request_transfer: "申请调拨", from_dealer: "调出经销商", view_360: "客户全景", all: "全部",
  },
};

const KEY = "dealernet.lang";

// A page module adds the Chinese words of its own labels when it loads.
export function register(chinese) {
  Object.assign(LABELS.zh, chinese);
}

export function language() {
  return localStorage.getItem(KEY) || (navigator.language?.startsWith("zh") ? "zh" : "en");
}

export function setLanguage(code) {
  localStorage.setItem(KEY, code);
  document.documentElement.lang = code === "zh" ? "zh-CN" : "en";
}

// The label for `key`; English is the key's own words unless given.
export function t(key, english) {
  const lang = language();
  return LABELS[lang]?.[key] ?? english ?? LABELS.en[key] ?? key.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

// Static labels in the page shell carry data-t="key".
export function translateShell(root = document) {
  for (const node of root.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t, node.textContent);
}
