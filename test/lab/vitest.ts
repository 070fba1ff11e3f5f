/** Vitest hooks for the labs: a fresh lab per test, cleaned up whatever the outcome. */
import { afterEach, beforeEach } from 'vitest';
import { NetnsLab } from './netns.js';

/** Returns an accessor for the current test's lab. */
export function useNetnsLab(): () => NetnsLab {
  let lab: NetnsLab | undefined;
  beforeEach(async () => {
    lab = await NetnsLab.create();
  });
  afterEach(async () => {
    await lab?.cleanup();
    lab = undefined;
  });
  return () => {
    if (!lab) throw new Error('useNetnsLab(): the lab exists only while a test runs');
    return lab;
  };
}
