// Starts Swagger UI (loaded from our own bundle before this script) on the element that names the
// OpenAPI document. No validator badge: it would call an outside service.
function startApiDocs() {
  const mount = document.getElementById("swagger-ui");
  if (!mount || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: mount.dataset.openapiUrl,
    domNode: mount,
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    persistAuthorization: false,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    filter: true,
    layout: "BaseLayout",
  });
}

startApiDocs();
