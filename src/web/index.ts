/** What the bots, the CLI and `lipsync start` use from the web server. */
export { createLinkSigner, verifyLink, type LinkSigner, type LinkSignerOptions, type LinkKind } from './links.js';
export { recordDelivery } from './metrics.js';
export { createWebService, type WebService, type WebServiceOptions } from './service.js';
export { buildWebServer, type WebServerDeps } from './server.js';
export {
  studioSignInUrl,
  verifyStudioSignIn,
  DEFAULT_SIGN_IN_TTL_SECONDS,
  type StudioSignInClaims,
  type StudioSignInOptions,
  type SignInCheck,
} from './studio/signIn.js';
