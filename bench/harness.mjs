// What every case of bench/cases/ builds on: paths and the run's configuration, process spawning
// and timing (wall time, peak RSS, CPU), medians and formatting, the sink server and `traces serve`.
export * from './harness/base.mjs';
export * from './harness/processes.mjs';
export * from './harness/servers.mjs';
