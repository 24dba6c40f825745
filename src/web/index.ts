/** What the bots, the CLI and `lipsync start` use from the web server. */
export { createLinkSigner, verifyLink, type LinkSigner, type LinkSignerOptions, type LinkKind } from './links.js';
export { recordDelivery } from './metrics.js';
export { createWebService, type WebService, type WebServiceOptions } from './service.js';
export { buildWebServer, type WebServerDeps } from './server.js';
