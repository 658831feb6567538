// Types for consent-link's SDK, /static/link.js.

export interface ConsentLinkOptions {
  /** Your client ID. */
  clientId: string;
  /** Scopes to ask for, comma-separated or as a list. */
  scope: string | string[];
  /** One of your registered callback URIs; its origin must be this page's. */
  callbackUri?: string;
  /** `en`, `nb`, …; otherwise the browser's language. */
  locale?: string;
  /** Test mode: test BankID and static data. */
  test?: boolean;
  /** Your theme sheet (a registered styles origin): Link's server reads its
   *  `--cl-*` custom properties and serves them itself (README: Theming). */
  stylesUri?: string;
  /** Echoed back in every callback. */
  state?: string;
  /** Where to put the iframe (element or selector); default: a modal overlay. */
  container?: HTMLElement | string;
  /** Link's base URL; default: where link.js was loaded from. */
  baseUrl?: string;
  /** The iframe's (and the overlay's) accessible name. Default "Link". */
  title?: string;
  /** The overlay's close button's accessible name. Default "Close". */
  closeLabel?: string;
  /** The end user consented: `code` is the user ID. Link has closed. */
  onSuccess?: (result: { code: string; state?: string }) => void;
  /** Link ended with an error (e.g. `USER_CANCELLED`). Link has closed. */
  onError?: (error: { status: string; message: string; error?: string; state?: string }) => void;
  /** A step was reached: `loaded`, `method_selected`, `authenticated`, `consent_shown`, `completed`. */
  onStatus?: (status: { status: string; state?: string }) => void;
  /** The end user closed the overlay (button or Escape). */
  onExit?: () => void;
}

export interface ConsentLinkHandle {
  /** Closes Link; calls onExit unless `silent`. */
  close(silent?: boolean): void;
  readonly iframe: HTMLIFrameElement;
}

export interface ConsentLinkApi {
  open(options: ConsentLinkOptions): ConsentLinkHandle;
  readonly version: string;
}

declare global {
  interface Window {
    ConsentLink: ConsentLinkApi;
  }
  const ConsentLink: ConsentLinkApi;
}
