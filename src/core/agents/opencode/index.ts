/** opencode: its store exported to one NDJSON file per session, and the adapter that reads those files. */
export { opencodeAdapter, opencodeSessionId } from './adapter.js';
export { exportOpencode, isOpencodeSource } from './export.js';
