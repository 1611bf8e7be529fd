// Realtime updates over Socket.IO, loaded only by pages that need them. `connectRealtime()` joins the
// same-origin Socket.IO endpoint and re-dispatches every server event on `document` as
// `realtime:<event>` (detail = the payload), so htmx can react with
// `hx-trigger="realtime:notification:new from:document"` and scripts with addEventListener.
import { io } from "socket.io-client";

export function connectRealtime(options = {}) {
  const socket = io({ path: "/socket.io", transports: ["websocket", "polling"], withCredentials: true, ...options });
  socket.onAny((event, payload) => {
    document.dispatchEvent(new CustomEvent(`realtime:${event}`, { detail: payload }));
  });
  socket.on("connect", () => document.dispatchEvent(new CustomEvent("realtime:connected")));
  socket.on("disconnect", (reason) => document.dispatchEvent(new CustomEvent("realtime:disconnected", { detail: { reason } })));
  return socket;
}
