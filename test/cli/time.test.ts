import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseDuration, parseTime } from '../../src/cli/time.js';

const NOW = Date.UTC(2024, 4, 15, 12, 0, 0); // 2024-05-15T12:00:00Z
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseTime in UTC', () => {
  const cases: [string, number | undefined][] = [
    ['now', NOW],
    ['10m', NOW - 10 * MIN],
    ['10mins ago', NOW - 10 * MIN],
    ['10 minutes ago', NOW - 10 * MIN],
    ['1 minute ago', NOW - MIN],
    ['an hour ago', NOW - HOUR],
    ['a day ago', NOW - DAY],
    ['2h', NOW - 2 * HOUR],
    ['2 hours', NOW - 2 * HOUR],
    ['2hrs ago', NOW - 2 * HOUR],
    ['2d1h20m', NOW - 2 * DAY - HOUR - 20 * MIN],
    ['1h 30m ago', NOW - 90 * MIN],
    ['1 hour, 30 minutes ago', NOW - 90 * MIN],
    ['1 hour and 30 minutes ago', NOW - 90 * MIN],
    ['1.5h', NOW - 90 * MIN],
    ['90s', NOW - 90_000],
    ['30 secs ago', NOW - 30_000],
    ['500ms', NOW - 500],
    ['1w', NOW - 7 * DAY],
    ['2 weeks ago', NOW - 14 * DAY],
    ['  10M  ', NOW - 10 * MIN],
    ['13:10', Date.UTC(2024, 4, 14, 13, 10)], // later than now today: yesterday's
    ['11:10', Date.UTC(2024, 4, 15, 11, 10)],
    ['9:05', Date.UTC(2024, 4, 15, 9, 5)],
    ['11:10:30', Date.UTC(2024, 4, 15, 11, 10, 30)],
    ['11:10:30.25', Date.UTC(2024, 4, 15, 11, 10, 30, 250)],
    ['12:00', NOW],
    ['today', Date.UTC(2024, 4, 15)],
    ['yesterday', Date.UTC(2024, 4, 14)],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T13:10', Date.UTC(2024, 4, 1, 13, 10)],
    ['2024-05-01 13:10:05', Date.UTC(2024, 4, 1, 13, 10, 5)],
    ['2024-05-01T13:10:05.123Z', Date.UTC(2024, 4, 1, 13, 10, 5, 123)],
    ['2024-05-01T13:10:05,5Z', Date.UTC(2024, 4, 1, 13, 10, 5, 500)],
    ['2024-05-01T13:10:05+02:00', Date.UTC(2024, 4, 1, 11, 10, 5)],
    ['2024-05-01T13:10:05-0530', Date.UTC(2024, 4, 1, 18, 40, 5)],
    ['2024-05-01T13:10:05+02', Date.UTC(2024, 4, 1, 11, 10, 5)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['1714567890', 1714567890_000],
    ['1714567890123', 1714567890123],
    // not times
    ['', undefined],
    ['yesterdy', undefined],
    ['10', undefined],
    ['10 parsecs', undefined],
    ['ago', undefined],
    ['25:00', undefined],
    ['12:60', undefined],
    ['2023-02-29', undefined],
    ['2024-13-01', undefined],
    ['2024-05-01T24:00', undefined],
    ['2024-05-01T10:00+19:00', undefined],
    ['h', undefined],
    ['m10', undefined],
  ];
  it.each(cases)('%j', (expression, expected) => {
    expect(parseTime(expression, { now: NOW, utc: true })).toBe(expected);
  });
});

describe('parseTime in local time', () => {
  // Expected values are built with the local-time Date constructor, so the table holds in any TZ.
  const now = new Date(2024, 4, 15, 12, 0, 0).getTime();
  const cases: [string, number][] = [
    ['13:10', new Date(2024, 4, 14, 13, 10).getTime()],
    ['11:10', new Date(2024, 4, 15, 11, 10).getTime()],
    ['today', new Date(2024, 4, 15).getTime()],
    ['yesterday', new Date(2024, 4, 14).getTime()],
    ['2024-05-01', new Date(2024, 4, 1).getTime()],
    ['2024-05-01 13:10', new Date(2024, 4, 1, 13, 10).getTime()],
    ['2024-05-01T13:10Z', Date.UTC(2024, 4, 1, 13, 10)],
    ['10m', now - 10 * MIN],
  ];
  it.each(cases)('%j', (expression, expected) => {
    expect(parseTime(expression, { now, utc: false })).toBe(expected);
  });
});

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['10m', 10 * MIN],
    ['2d1h20m', 2 * DAY + HOUR + 20 * MIN],
    ['1 day 2 hours', DAY + 2 * HOUR],
    ['250ms', 250],
    ['2s', 2000],
    ['0s', 0],
    ['', undefined],
    ['10', undefined],
    ['13:10', undefined],
    ['10 mins ago', undefined], // 'ago' belongs to times; the callers strip it
  ];
  it.each(cases)('%j', (expression, expected) => {
    expect(parseDuration(expression)).toBe(expected);
  });
});

describe('formatTimestamp', () => {
  it('prints ISO 8601 UTC with Z', () => {
    expect(formatTimestamp(Date.UTC(2024, 4, 1, 13, 10, 5, 7), true)).toBe('2024-05-01T13:10:05.007Z');
  });

  it('prints local time with its offset, which reads back to the same instant', () => {
    for (const t of [Date.UTC(2024, 0, 1, 0, 0, 0, 1), Date.UTC(2024, 6, 1, 23, 59, 59, 999), NOW]) {
      const text = formatTimestamp(t, false);
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
      expect(new Date(text).getTime()).toBe(t);
      expect(parseTime(text, { now: NOW, utc: true })).toBe(t);
    }
  });
});
