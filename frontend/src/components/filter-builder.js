// The item filter form: each builder row (field, operator, value) is sent as one `where` parameter,
// `field|operator|value`, and the ticked column choices as `columns`, so the page's URL holds the whole
// view. Rows without a field and unticked columns are left out.
const FORM = "form:has([data-filter-rows])";

function collect(form) {
  form.querySelectorAll("[data-filter-row]").forEach((row) => {
    const field = row.querySelector("[data-where-field]").value;
    const operator = row.querySelector("[data-where-operator]").value;
    const value = row.querySelector("[data-where-value]").value.trim();
    const hidden = row.querySelector("[data-where]");
    hidden.value = field ? `${field}|${operator}|${value}` : "";
    hidden.disabled = !field;
  });
  const chosen = [...form.querySelectorAll("[data-column-choice]:checked")].map((box) => box.value);
  const columns = form.querySelector("input[name=columns]");
  if (columns && chosen.length) columns.value = chosen.join(",");
  form.querySelectorAll("input[name=q]").forEach((input) => {
    input.disabled = !input.value.trim();
  });
}

export function registerFilterBuilder() {
  document.addEventListener("submit", (event) => {
    if (event.target.matches?.(FORM)) collect(event.target);
  });
}
