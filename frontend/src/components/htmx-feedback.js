// What the user sees when an htmx request goes wrong: the problem+json title and detail as an error
// toast, or a network notice when the server could not be reached.

function problemOf(xhr) {
  try {
    const body = JSON.parse(xhr.responseText);
    return { title: body.title, message: body.detail };
  } catch {
    return { title: `Request failed (${xhr.status})`, message: "" };
  }
}

export function registerHtmxFeedback(Alpine) {
  document.addEventListener("htmx:responseError", (event) => {
    const problem = problemOf(event.detail.xhr);
    Alpine.store("toasts").show({ kind: "error", ...problem });
  });
  document.addEventListener("htmx:sendError", () => {
    Alpine.store("toasts").show({
      kind: "error",
      title: "Could not reach the server",
      message: "Check your connection and try again.",
    });
  });
}
