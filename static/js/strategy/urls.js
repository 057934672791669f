// The /strategy JSON API's addresses (the fixed HTTP contract of ../shared/DESIGN.md), in one place.

const id = (value) => encodeURIComponent(value);
const api = "/strategy/api";

export const urls = {
  list: "/strategy",
  page: (s) => `/strategy/${id(s)}`,
  strategies: `${api}/strategies`,
  strategy: (s) => `${api}/strategies/${id(s)}`,
  remove: (s) => `${api}/strategies/${id(s)}/delete`,
  toggle: (s) => `${api}/strategies/${id(s)}/toggle`,
  rotate: (s) => `${api}/strategies/${id(s)}/rotate-webhook`,
  addSymbol: (s) => `${api}/strategies/${id(s)}/symbols`,
  removeSymbol: (s, m) => `${api}/strategies/${id(s)}/symbols/${id(m)}/delete`,
  deliveries: (s, limit) => `${api}/strategies/${id(s)}/deliveries?limit=${id(limit)}`,
  symbols: (q, exchange) => `${api}/symbols?q=${id(q)}${exchange ? `&exchange=${id(exchange)}` : ""}`,
};
