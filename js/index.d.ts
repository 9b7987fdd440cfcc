// Types for rum-wasm: ARMS's `armsRum` API and `init` options (arms-sdk.md §2-§3), plus the
// options this SDK adds (marked "rum-wasm").

/** ARMS MatchOption: a string (prefix match), a RegExp, or a predicate. */
export type MatchOption = string | RegExp | ((value: string) => boolean);
export type MatchOptions = MatchOption | MatchOption[];
export type PropagatorType = 'tracecontext' | 'b3' | 'b3multi' | 'jaeger' | 'sw8';
export type Scalars = Record<string, string | number>;

export interface RumBundle {
  app: { id: string; env: string; version?: string; type: 'browser'; [k: string]: string | number | undefined };
  user: { id: string; name?: string; tags?: string; [k: string]: string | number | undefined };
  session: { id: string };
  net: { model: string };
  view: { id: string; name: string };
  events: RumEvent[];
  properties?: Scalars;
  /** rum-wasm: events dropped since the previous bundle because the queue was full. */
  dropped?: number;
  _v: string;
  [k: string]: unknown;
}

export interface RumEvent {
  event_type: 'view' | 'resource' | 'exception' | 'longTask' | 'action' | 'custom' | string;
  event_id: string;
  timestamp: number;
  times?: number;
  type?: string;
  name?: string;
  session_id?: string;
  view?: { id: string; name: string };
  [k: string]: unknown;
}

export interface SessionConfig {
  /** 0..1, decided once per session. Default 1. */
  sampleRate?: number;
  /** ms, 4 h..24 h. Default 24 h. */
  maxDuration?: number;
  /** ms of inactivity, 10 min..1 h. Default 1 h. */
  overtime?: number;
  /** Default 'localStorage'. */
  storage?: 'localStorage' | 'cookie' | 'auto';
  /** Cookie domain; also suffixes the storage keys with `:<domain>`. */
  domain?: string;
}

export interface ReportConfig {
  /** ms after the last event, 1..10000. Default 3000. */
  flushTime?: number;
  /** Pending events that trigger an immediate flush, 1..100. Default 20. */
  maxEventCount?: number;
}

export interface Collectors {
  perf?: boolean;
  webVitals?: boolean;
  api?: boolean;
  staticResource?: boolean;
  jsError?: boolean;
  consoleError?: boolean;
  action?: boolean;
  /** Off unless exactly true. */
  longtask?: boolean;
}

export interface TracingConfig {
  enable?: boolean;
  /** Percentage 0..100. Default 100. */
  sample?: number;
  propagatorTypes?: PropagatorType[];
  allowedUrls?: Array<MatchOption | { match: MatchOption; propagatorTypes?: PropagatorType[] }>;
  tracestate?: boolean;
  baggage?: boolean;
}

export interface RemoteConfig {
  enable?: boolean;
  /** launch-first (default): start at once on local/cached config; remote-first: wait for it. */
  mode?: 'launch-first' | 'remote-first';
  /** ms the fetched config stays usable from the cache. Default 1 h. */
  cacheTimeout?: number;
  url?: string;
  region?: string;
  /** rum-wasm: ms remote-first waits before starting on what it has. Default 3000. */
  timeout?: number;
  reSetup?: boolean;
}

export interface DeliveryConfig {
  /** rum-wasm: pending events kept at most (oldest dropped and counted). Default 1000. */
  maxQueueEvents?: number;
  /** rum-wasm: pending bytes kept at most. Default 512 KiB. */
  maxQueueBytes?: number;
  /** rum-wasm: unsent bytes persisted for the next page load. Default 1 MiB. */
  maxPersistBytes?: number;
}

export interface ArmsRumConfig {
  pid: string;
  endpoint: string;
  env?: 'prod' | 'gray' | 'pre' | 'daily' | 'local' | string;
  version?: string;
  app?: Scalars;
  user?: { id?: string | number; name?: string; tags?: string; [k: string]: string | number | undefined };
  device?: Scalars;
  os?: Scalars;
  geo?: Scalars;
  isp?: Scalars;
  net?: Scalars;
  properties?: Scalars;
  spaMode?: boolean | 'auto' | 'history' | 'hash';
  parseViewName?: (url: string) => string;
  parseResourceName?: (url: string) => string;
  beforeReport?: (bundle: RumBundle) => RumBundle | false | null | undefined;
  evaluateApi?: (req: unknown, res: unknown, err: unknown, xhr?: XMLHttpRequest) => Promise<Record<string, unknown>> | Record<string, unknown>;
  reportConfig?: ReportConfig;
  sessionConfig?: SessionConfig;
  collectors?: Collectors;
  filters?: { resource?: MatchOptions; exception?: MatchOptions; view?: MatchOptions };
  tracing?: boolean | TracingConfig;
  remoteConfig?: boolean | RemoteConfig;
  whiteScreen?: unknown;
  useRaf?: boolean;
  /** rum-wasm: page loads slower than this (ms) count as slow. Default 3000. */
  slowLoadThreshold?: number;
  /** rum-wasm: API calls/resources slower than this (ms) are marked slow. Default 1000. */
  slowResourceThreshold?: number;
  /** rum-wasm: queue and persistence bounds. */
  delivery?: DeliveryConfig;
  /** rum-wasm: gzip bodies with CompressionStream (the ARMS endpoint expects plain JSON). */
  compress?: boolean;
  /**
   * rum-wasm: secret URL parameters. Values of parameters whose names look like secrets (token,
   * password, key, code, ...) are sent as `[redacted]`; these names are added (exact, any case).
   * `false` turns redaction off: the only way to let URL secrets leave the page.
   */
  redactQueryParams?: string[] | boolean;
  /** rum-wasm: where to load the .wasm from. Default: next to the script. */
  wasmUrl?: string | URL;
  /** rum-wasm: share (0..1) of the sampled sessions that record a replay; decided once per session. Default 0. */
  sessionReplaySampleRate?: number;
  /** rum-wasm: what replay records of the page. Typed text is masked unless 'allow'; passwords, e-mail, tel and card fields always. Default 'mask-user-input'. */
  defaultPrivacyLevel?: 'mask-user-input' | 'mask' | 'allow';
  /** rum-wasm: sessions not chosen keep the last seconds (true: 30) in memory, uploaded on a JS error or a forced start. Default off. */
  sessionReplayBuffer?: boolean | number;
  /** rum-wasm: record canvas pixels too (opt-in: they cost CPU and may show what a user drew): true (4 images a second at most, WebP quality 0.4) or your own fps (1..12) and quality (0..1). Never under 'mask'. Default off. */
  sessionReplayCanvas?: boolean | { fps?: number; quality?: number };
  /** rum-wasm: where replay segments go. Default: the endpoint's origin + '/replay'. */
  sessionReplayEndpoint?: string;
}

export interface CustomRumEvent { type: string; name: string; group?: string; value?: number; properties?: Scalars; [k: string]: unknown }
export interface ExceptionEvent { name: string; message: string; stack?: string; [k: string]: unknown }
export interface ResourceEvent { name: string; type: string; duration: number; url?: string; status_code?: number; success?: 0 | 1 | -1; [k: string]: unknown }
export interface ViewEvent { type?: string; t1?: number; t2?: number; t3?: number; [k: string]: unknown }

export interface ArmsRum {
  readonly version: string;
  /** rum-wasm: resolves true once the wasm SDK runs, false if it could not start. */
  readonly ready: Promise<boolean>;
  init(config: ArmsRumConfig): ArmsRum;
  getConfig(): ArmsRumConfig | undefined;
  setConfig<K extends keyof ArmsRumConfig>(key: K, value: ArmsRumConfig[K]): void;
  setConfig(config: ArmsRumConfig): void;
  /** rum-wasm: the app's user, as `setConfig('user', user)`: a login continues the session, another user starts a new one. */
  setUser(user: NonNullable<ArmsRumConfig['user']>): void;
  /** rum-wasm: no app user any more (the session goes on; the next other user starts a new one). */
  clearUser(): void;
  /** rum-wasm: one key of the config's `properties` (sent with every bundle, searchable in the console). */
  setGlobalContextProperty(key: string, value: string | number): void;
  /** rum-wasm: removes one key of the config's `properties`. */
  removeGlobalContextProperty(key: string): void;
  sendEvent(event: Partial<RumEvent> & { event_type: string }): void;
  sendCustom(event: CustomRumEvent): void;
  sendException(event: ExceptionEvent | Error): void;
  sendResource(event: ResourceEvent): void;
  sendView(event: ViewEvent): void;
  /** rum-wasm: send what is pending now. */
  flush(): void;
  /** rum-wasm: stop all collection and sending, delete stored ids; persists. */
  optOut(): void;
  /** rum-wasm: undo optOut(); a new session starts. */
  optIn(): void;
  /** rum-wasm: record this session's replay; `force` records a sampled session that sessionReplaySampleRate did not choose (never a sampled-out one). */
  startSessionReplayRecording(options?: { force?: boolean }): void;
  /** rum-wasm: stop recording (until the next start); buffered seconds are dropped. */
  stopSessionReplayRecording(): void;
  /** rum-wasm: the current session id ('' when off, opted out or sampled out). */
  getSessionId(): string;
  /** rum-wasm: bytes of wasm linear memory. */
  wasmMemoryBytes(): number;
}

export declare const armsRum: ArmsRum;
export default armsRum;

declare global {
  interface Window {
    RumSDK?: { default: ArmsRum; armsRum: ArmsRum };
    __rum?: ArmsRumConfig;
  }
}
