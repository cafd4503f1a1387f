// The API reference page (/api/v1/docs): Swagger UI on the generated document. A file, not an
// inline script, so the Content-Security-Policy (script-src 'self') holds.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no badge fetched from outside: the service runs on a closed network
    tryItOutEnabled: false,
    persistAuthorization: false,
    docExpansion: "none",
    defaultModelsExpandDepth: 0,
  });
})();
