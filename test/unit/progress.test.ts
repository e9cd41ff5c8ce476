import { describe, expect, it } from 'vitest';
import { fit, formatEta, progressText, RateMeter, usableColumns } from '../../src/output/progress.js';
import { shortPath } from '../../src/output/format.js';

describe('the live line', () => {
  it('draws at any reported width: none (0) is taken as 80, too narrow means plain lines', () => {
    expect(usableColumns(0)).toBe(80);
    expect(usableColumns(undefined)).toBe(80);
    expect(usableColumns(1)).toBeUndefined();
    expect(usableColumns(19)).toBeUndefined();
    expect(usableColumns(20)).toBe(20);
    expect(usableColumns(Number.NaN)).toBe(80);
  });

  it('cuts a line to the width, never longer', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 4)).toBe('abc');
    expect(fit('abc', 0)).toBe('…');
  });

  it('says counts, bytes, rate and ETA', () => {
    const c = { done: 1, total: 4, failed: 0, bytes: 1024, totalBytes: 4096 };
    expect(progressText('Uploading', { ...c, done: 0, bytes: 0 }, undefined)).toBe('Uploading 0/4 · 0 B of 4.0 KiB');
    expect(progressText('Uploading', c, 512)).toBe('Uploading 1/4 · 1.0 KiB of 4.0 KiB · 512 B/s · ETA 6s');
    expect(progressText('Uploading', { ...c, failed: 1 }, 512)).toContain('1 failed');
    expect(formatEta(75)).toBe('1m15s');
    expect(formatEta(4000)).toBe('1h06m');
  });

  it('measures the rate over a sliding window', () => {
    const meter = new RateMeter(1000);
    meter.add(0, 0);
    expect(meter.rate()).toBeUndefined();
    meter.add(1000, 500);
    expect(meter.rate()).toBe(2000);
    meter.add(1000, 5000); // a pause: the old samples leave the window
    meter.add(2000, 6000);
    expect(meter.rate()).toBe(1000);
  });
});

describe('shortPath', () => {
  it('is relative to the folder scanned, else ~-shortened', () => {
    expect(shortPath('/h/agent/sessions/a.jsonl', ['/h/agent'], '/h')).toBe('sessions/a.jsonl');
    expect(shortPath('/h/other/a.jsonl', ['/h/agent'], '/h')).toBe('~/other/a.jsonl');
    expect(shortPath('/elsewhere/a.jsonl', ['/h/agent'], '/h')).toBe('/elsewhere/a.jsonl');
    expect(shortPath('/hx/a.jsonl', [], '/h')).toBe('/hx/a.jsonl');
  });
});
