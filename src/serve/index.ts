// Serving the web app (Node).
export { startWebServer, webAppDir, resolveModelDir, DEFAULT_PORT, ISOLATION_HEADERS } from './web_server.js';
export type { WebServer, WebServerOptions } from './web_server.js';
